require "enotify";
notify "mailto:user%25evil.example@corp.example";

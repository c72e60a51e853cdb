require "enotify";
notify :options ["x=y", "a.b-c_d=1"] "mailto:a@example.com";

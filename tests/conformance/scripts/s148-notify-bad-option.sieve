require "enotify";
notify :options "foo" "mailto:a@example.com";

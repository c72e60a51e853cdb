require "enotify";
notify :message "nobody" "mailto:?subject=x";

require "enotify";
notify "mailto:a@example.com?to=b@example.com";
notify :message "two" "mailto:b@example.com?cc=c@example.com";
notify "mailto:A@Example.COM";
notify "mailto:a@EXAMPLE.com";

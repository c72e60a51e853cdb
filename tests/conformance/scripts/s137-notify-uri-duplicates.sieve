require "enotify";
notify "mailto:a@example.com?cc=b@example.com&to=b@example.com&cc=A@example.com&cc=a@example.com";

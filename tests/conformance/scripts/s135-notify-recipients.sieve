require "enotify";
notify :from "me@example.org" "mailto:a@example.com%2Cb@example.net?to=c@example.org&cc=d@example.com,e@example.com&subject=Hi%20there&x-foo=bar";

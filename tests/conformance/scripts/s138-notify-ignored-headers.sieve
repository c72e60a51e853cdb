require "enotify";
notify "mailto:a@example.com?bcc=hidden@example.net&from=evil@example.net&subject=one&subject=two&reply-to=r1@example.com&reply-to=r2@example.com";

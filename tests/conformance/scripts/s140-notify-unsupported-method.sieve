require "enotify";
notify "xmpp:tim@example.com?message;subject=SIEVE";

require ["enotify"];
# RFC 5436 §2.7: no notification about an auto-submitted message.
notify "mailto:bob@example.com";

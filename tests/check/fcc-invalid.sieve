require ["vacation", "fcc", "enotify"];
vacation :create "no fcc";
vacation :fcc "Sent" :flags "\\Seen" "no imap4flags";
vacation :fcc "Sent" :specialuse "\\Sent" "no special-use";
notify :fcc "" "mailto:bob@example.com";
vacation :fcc ["a", "b"] "a list";

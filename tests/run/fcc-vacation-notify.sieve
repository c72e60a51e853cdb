# fcc (RFC 8580): copies of the vacation reply and the notification are filed.
require ["fcc", "vacation", "enotify", "imap4flags", "mailbox", "special-use"];
vacation :fcc "Sent" :flags ["\\Seen", "auto"] :create :subject "Away" "I am away until Monday.";
notify :fcc "Notes" :specialuse "\\Sent" "mailto:bob@example.com";

# RFC 8580: a copy of the vacation reply is filed into Sent.
require ["vacation", "fcc", "imap4flags", "mailbox"];
vacation :fcc "Sent" :flags "\\Seen" :create :subject "Away" "I am away.";

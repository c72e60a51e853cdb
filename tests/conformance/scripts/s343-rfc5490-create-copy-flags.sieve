# :create with :copy and :flags.
require ["mailbox", "fileinto", "copy", "imap4flags"];
fileinto :create :copy :flags "\\Flagged" "Flagged";

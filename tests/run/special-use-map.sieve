# special-use (RFC 8579): mailbox_special_use maps attributes to mailboxes.
require ["special-use", "fileinto", "mailbox"];
fileinto :specialuse "\\Junk" "Fallback";
fileinto :specialuse "\\Archive" :create "Old";
if specialuse_exists "Spam" ["\\Junk", "\\Flagged"] { fileinto "both"; }
if specialuse_exists "\\Junk" { fileinto "has-junk"; }

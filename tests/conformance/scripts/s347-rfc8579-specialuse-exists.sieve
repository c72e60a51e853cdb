# RFC 8579 section 3: no special-use mailbox in the empty store.
require ["special-use", "fileinto"];
if specialuse_exists "\\Junk" { fileinto "junk"; }
if specialuse_exists "INBOX" "\\Junk" { fileinto "inbox-junk"; }
fileinto "done";

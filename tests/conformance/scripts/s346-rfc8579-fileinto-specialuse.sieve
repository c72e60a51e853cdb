# RFC 8579 section 4: no mailbox has \Junk, so the fallback is used.
require ["special-use", "fileinto"];
fileinto :specialuse "\\Junk" "Spam";

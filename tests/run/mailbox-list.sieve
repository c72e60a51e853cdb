# mailbox (RFC 5490): --mailboxes lists the mailboxes that exist (INBOX always does).
require ["mailbox", "fileinto", "mboxmetadata"];
if mailboxexists ["Archive", "Lists/ietf"] { fileinto "Archive"; }
if mailboxexists "Missing" { fileinto "Missing"; }
if metadataexists "INBOX" "/private/comment" { discard; }
fileinto :create "Lists/new";

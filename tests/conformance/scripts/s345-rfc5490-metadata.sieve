# RFC 5490 section 3.3/3.4: no mailbox annotation exists.
require ["mboxmetadata", "fileinto"];
if metadataexists "INBOX" "/private/comment" { fileinto "exists"; }

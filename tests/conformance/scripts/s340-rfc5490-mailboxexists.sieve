# RFC 5490 section 3.1: INBOX exists in the empty mail store, others do not.
require ["mailbox", "fileinto"];
if mailboxexists "INBOX" { fileinto "inbox-exists"; }
if mailboxexists "inbox" { fileinto "lower-inbox-exists"; }
if mailboxexists "Archive" { fileinto "archive-exists"; }
if mailboxexists ["INBOX", "Archive"] { fileinto "all-exist"; }

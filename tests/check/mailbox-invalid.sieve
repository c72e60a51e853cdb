require ["fileinto"];
fileinto :create "Projects";
if mailboxexists "INBOX" { keep; }
if metadata "INBOX" "/private/comment" "x" { keep; }
if servermetadataexists "/shared/admin" { keep; }

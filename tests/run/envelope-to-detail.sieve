require ["envelope", "subaddress", "fileinto", "imap4flags"];
if envelope :detail "to" "lists" { fileinto "Lists"; }
if envelope :user "to" "alice" { addflag "x"; }

# RFC 5232 section 3.3 example (run on a message from the boss and from imap@...).
require ["imap4flags", "fileinto", "variables"];
if header :contains "Disposition-Notification-To"
   "mel@example.com" {
    addflag "flagvar" "$MDNRequired";
}
if header :contains "from" "imap@cac.washington.example.edu" {
    removeflag "flagvar" "$MDNRequired";
    fileinto :flags "${flagvar}" "INBOX.imap-list";
}
fileinto :flags "${flagvar}" "INBOX.all";

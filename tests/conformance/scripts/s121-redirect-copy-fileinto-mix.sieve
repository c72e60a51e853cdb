# A realistic mix: file a copy, forward a copy, keep the original.
require ["fileinto", "copy", "imap4flags", "envelope"];
if address :domain :is "from" "example.com" {
    fileinto :copy :flags "\\Seen" "Archive/example.com";
    redirect :copy "assistant@example.org";
}
if header :contains "subject" "lunch" {
    addflag "$Personal";
}

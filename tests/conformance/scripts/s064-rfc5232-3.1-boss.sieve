# RFC 5232 section 3.1 second example.
require ["imap4flags", "fileinto", "variables"];
if header :contains "from" "boss@frobnitzm.example.edu" {
    setflag "flagvar" "\\Flagged";
    fileinto :flags "${flagvar}" "INBOX.From Boss";
}

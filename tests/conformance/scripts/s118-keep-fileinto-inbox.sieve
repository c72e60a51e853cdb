# fileinto "INBOX" and keep are the same action (RFC 5228 2.10.3).
require ["fileinto", "imap4flags"];
fileinto :flags "\\Seen" "INBOX";
keep :flags "\\Flagged";

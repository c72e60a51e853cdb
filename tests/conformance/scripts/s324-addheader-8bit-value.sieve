# RFC 5293 section 4: non-ASCII text is encoded; the header test decodes it again.
require ["editheader", "fileinto"];
addheader "X-Greeting" "Grüße aus München";
if header :is "X-Greeting" "Grüße aus München" { fileinto "decoded"; }

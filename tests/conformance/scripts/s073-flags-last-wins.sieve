# RFC 5232 section 3: with duplicate keep/fileinto elimination, the last
# flag list value MUST win.
require ["imap4flags", "fileinto"];
fileinto :flags "\\Seen" "Lists";
fileinto :flags "\\Flagged" "Lists";
keep :flags "Old";
keep :flags "New";

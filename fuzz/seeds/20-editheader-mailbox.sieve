require ["editheader", "mailbox", "mboxmetadata", "servermetadata", "special-use", "fcc", "fileinto",
         "vacation", "enotify", "imap4flags", "variables"];
addheader "X-Filtered" "yes";
addheader :last "X-Note" "Grüße ${1}";
deleteheader :index 2 :last :contains "Received" "example";
deleteheader :comparator "i;octet" :matches "X-Spam" ["*", "?"];
if mailboxexists ["INBOX", "Archive"] { fileinto :create :flags "\\Seen" "Archive"; }
if metadata :is "INBOX" "/private/comment" "x" { discard; }
if anyof (metadataexists "INBOX" "/a", servermetadataexists "/b", servermetadata "/c" "d") { stop; }
if specialuse_exists "Spam" ["\\Junk"] { fileinto :specialuse "\\Junk" :create "Spam"; }
vacation :fcc "Sent" :flags "\\Seen" :create :specialuse "\\Sent" "away";
notify :fcc "Sent" "mailto:a@example.com";

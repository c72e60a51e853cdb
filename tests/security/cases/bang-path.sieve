redirect "evil.example!user@corp.example";

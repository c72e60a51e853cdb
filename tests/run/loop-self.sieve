redirect "alice@example.com";

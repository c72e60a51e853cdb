redirect "friend@partner.example";

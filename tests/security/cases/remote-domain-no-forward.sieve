redirect "spy@partner.example";

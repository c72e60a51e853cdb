require "copy";
redirect "alice.private@gmail.example";
redirect :copy "bob@example.com";

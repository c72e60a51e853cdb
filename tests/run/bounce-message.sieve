require "copy";
redirect "alice.private@gmail.example";
redirect :copy "friend@partner.example";
redirect "bob@lists.example.com";

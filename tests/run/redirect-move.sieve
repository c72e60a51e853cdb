redirect "Bob Smith <bob@example.com>";
redirect "bob@EXAMPLE.com";

redirect "bob";
redirect "@relay.example:bob@example.org";
redirect "bob@example.org, carol@example.org";
redirect "bob@example.org.";
redirect "Bob <bob@example.org>";

# RFC 5228 section 4.2
redirect "bart@example.com";

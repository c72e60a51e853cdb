redirect "alice@CORP.EXAMPLE";

redirect "alice@cοrp.example";

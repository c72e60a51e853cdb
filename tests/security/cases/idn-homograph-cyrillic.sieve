redirect "alice@соrp.example";

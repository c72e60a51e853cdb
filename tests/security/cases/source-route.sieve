redirect "@corp.example:user@evil.example";

redirect "Name <spy@evil.example
 (fold)>";

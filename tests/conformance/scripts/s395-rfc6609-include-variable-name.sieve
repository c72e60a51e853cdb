require ["include", "variables"];
set "n" "inc-work";
include "${n}";

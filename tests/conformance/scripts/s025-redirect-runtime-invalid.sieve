# A redirect address that is only known to be invalid at run time.
require "variables";
set "target" "not-an-address";
redirect "${target}";

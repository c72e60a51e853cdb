# RFC 5293 section 7: an edited message is the same message; keep stores once.
require ["editheader"];
keep;
addheader "X-Flavor" "vanilla";
keep;

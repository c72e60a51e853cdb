# RFC 5293 section 7 with redirect: the plan is the same.
require ["editheader"];
addheader "X-Sieve-Filtered" "yes";
redirect "kim@home.example.com";

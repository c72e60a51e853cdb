# sieve_extensions = -editheader (Pigeonhole's setting) turns the extension off.
require "editheader";
addheader "X-A" "1";

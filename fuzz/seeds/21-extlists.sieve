# extlists (RFC 6134): :list on address/header/envelope/string, valid_ext_list;
# lists are the files of sieve_extlists_dir (tests/run/lists).
require ["extlists", "fileinto", "envelope", "variables", "copy"];
if address :list "from" ":addrbook:personal" { fileinto "Friends"; }
if header :list "subject" ":addrbook:personal" { fileinto "NotRaw"; }
if envelope :list "from" ":addrbook:personal" { fileinto "EnvFriends"; }
if string :list :comparator "i;octet" "bob@example.org" ":addrbook:personal" { fileinto "Octet"; }
if valid_ext_list [":addrbook:personal", "tag:example.com,2011:team"] { fileinto "Valid"; }
if valid_ext_list ":addrbook:missing" { fileinto "Missing"; }
redirect :copy :list "tag:example.com,2011:team";

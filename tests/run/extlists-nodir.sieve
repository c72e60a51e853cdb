# extlists (RFC 6134) without sieve_extlists_dir: no list exists.
require ["extlists", "fileinto"];
if valid_ext_list ":addrbook:personal" { fileinto "Valid"; }
if not valid_ext_list ":addrbook:personal" { fileinto "NoLists"; }

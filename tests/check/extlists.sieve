# extlists (RFC 6134): literal list names must be list names (a URI or ":name").
require ["extlists", "variables", "copy"];
if header :list "from" "friends" { discard; }
if address :list "from" [":addrbook:personal", "tag:"] { discard; }
if valid_ext_list ["1tag:x", ":ok"] { discard; }
if valid_ext_list { discard; }
redirect :list "not-a-list";
redirect :copy :list ":addrbook:${name}";
if header :list :count "eq" "from" ":x" { discard; }

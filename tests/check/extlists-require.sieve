# extlists (RFC 6134) needs its require.
if header :list "from" ":addrbook:personal" { discard; }
if valid_ext_list ":addrbook:personal" { discard; }
redirect :list ":addrbook:personal";

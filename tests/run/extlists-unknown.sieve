# extlists (RFC 6134): a :list naming a list that does not exist is a runtime error.
require ["extlists", "fileinto"];
fileinto "Before";
if address :list "from" ":addrbook:nobody" { discard; }

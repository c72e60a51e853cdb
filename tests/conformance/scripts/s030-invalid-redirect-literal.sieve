# RFC 5228 section 4.2: a literal redirect address must be a valid address.
redirect "not an address";

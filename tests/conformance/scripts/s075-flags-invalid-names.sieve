# RFC 3501 flag syntax: \Recent cannot be set; a keyword may not contain
# atom-specials.
require ["imap4flags"];
addflag ["\\Recent", "\\Draft", "Bad(Flag", "Good_Flag"];
keep;

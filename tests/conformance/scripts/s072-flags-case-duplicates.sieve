# RFC 5232 section 3: flags are a set of case-insensitive words.
require ["imap4flags"];
addflag ["\\SEEN", "\\seen", "Junk", "junk", "JUNK"];
addflag "Work  Work";
removeflag "WORK";
keep;

# RFC 5232 section 3: setflag/addflag/removeflag on the internal variable;
# only the implicit keep receives them.
require ["imap4flags"];
setflag ["\\Flagged", "\\Seen"];
addflag "$Important \\Answered";
removeflag ["\\seen"];
addflag "";

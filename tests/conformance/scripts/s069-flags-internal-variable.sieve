# RFC 5232 section 3: the internal variable applies to keep, fileinto
# without :flags and the implicit keep; :flags overrides it.
require ["imap4flags", "fileinto"];
addflag "\\Seen";
fileinto "A";
addflag ["$Label1", "\\Flagged"];
removeflag "\\Seen";
fileinto "B";
fileinto :flags "\\Answered" "C";
fileinto :flags "" "D";
setflag "Junk";

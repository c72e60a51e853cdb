# hasflag on the internal variable after set/add/remove.
require ["imap4flags", "fileinto"];
setflag "\\Seen";
addflag "\\Flagged";
if hasflag "\\flagged" { fileinto "has-flagged-casemap"; }
if hasflag :comparator "i;octet" "\\flagged" { fileinto "has-flagged-octet"; }
removeflag "\\Flagged";
if not hasflag "\\Flagged" { fileinto "removed"; }

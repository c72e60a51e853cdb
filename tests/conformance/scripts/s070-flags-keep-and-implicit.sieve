# keep :flags, then the implicit keep is cancelled; a later setflag does not
# change the keep already done.
require ["imap4flags"];
setflag "\\Flagged";
keep :flags ["\\Seen", "Work"];
setflag "Late";

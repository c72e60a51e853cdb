require ["imap4flags", "fileinto"];
setflag "\\Seen";
addflag ["\\Flagged", "$Label1"];
removeflag "\\seen";
fileinto "Archive";
keep :flags "\\Answered";

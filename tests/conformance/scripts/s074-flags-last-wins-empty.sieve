# RFC 5232 section 3: the last flag list wins, even when it is empty.
require ["imap4flags", "fileinto"];
addflag "\\Seen";
fileinto "Lists";
setflag "";
fileinto "Lists";

require ["fileinto", "vaccation", "imap5flags"];
fileinto "x";

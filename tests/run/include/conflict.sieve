require ["reject", "fileinto"];
fileinto "Archive";
reject "no thanks";

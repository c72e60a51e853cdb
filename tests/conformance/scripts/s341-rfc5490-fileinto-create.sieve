# RFC 5490 section 3.2: fileinto :create.
require ["mailbox", "fileinto"];
fileinto :create "Projects";

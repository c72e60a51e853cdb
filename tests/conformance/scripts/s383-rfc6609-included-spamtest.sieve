require ["include", "fileinto"];
include "inc-spam";
fileinto "not-junk";

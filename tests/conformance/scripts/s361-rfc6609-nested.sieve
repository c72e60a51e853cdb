require ["include", "fileinto"];
include "inc-nested-a";
fileinto "main";

require ["include", "fileinto"];
include "inc-if-return";
fileinto "main-after";

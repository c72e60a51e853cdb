require ["include", "fileinto"];
include "inc-no-require";

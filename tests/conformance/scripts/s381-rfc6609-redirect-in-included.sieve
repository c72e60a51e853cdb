require ["include", "fileinto"];
include "inc-redirect";
keep;

require ["include", "fileinto"];
include "inc-once-self";

require ["include", "fileinto"];
include "inc-flags";

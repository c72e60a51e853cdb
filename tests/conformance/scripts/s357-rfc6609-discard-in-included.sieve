require ["include", "fileinto"];
include "inc-discard";

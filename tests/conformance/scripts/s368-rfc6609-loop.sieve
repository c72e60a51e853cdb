require ["include", "fileinto"];
include "inc-loop-a";

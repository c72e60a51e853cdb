require ["include", "fileinto"];
include "inc-nested-b";
include "inc-nested-b";

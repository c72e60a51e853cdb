require ["include", "fileinto"];
include "inc-nested-b";
include :once "inc-nested-b";

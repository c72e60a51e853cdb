require ["include", "fileinto"];
include :once "inc-nested-b";
include :once "inc-nested-b";

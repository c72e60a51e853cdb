require ["include", "fileinto"];
include :optional "inc-nested-b";

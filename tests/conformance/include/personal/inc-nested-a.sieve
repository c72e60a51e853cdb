require ["include", "fileinto"];
fileinto "a";
include "inc-nested-b";
fileinto "a2";

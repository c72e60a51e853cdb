require ["include", "fileinto"];
include "inc-stop";
fileinto "after-stop";

require ["include", "fileinto"];
fileinto "once-self";
include :once "inc-once-self";

require ["include", "fileinto"];
include :personal "inc-work";
keep;

require ["include", "fileinto"];
include "../inc-work";

require ["include", "fileinto"];
include "inc-syntax-error";

require ["include", "variables", "fileinto"];
global "flag";
set "flag" "declared";
include "inc-ns";
fileinto "main-${flag}";

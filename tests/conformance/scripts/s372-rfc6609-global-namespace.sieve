require ["include", "variables", "fileinto"];
set "global.flag" "from-main";
include "inc-ns";
fileinto "main-${global.flag}";

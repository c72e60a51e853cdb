require ["include", "variables", "fileinto"];
set "box" "main";
include "inc-local";
fileinto "after-${box}";

require ["include", "variables", "fileinto"];
global ["box", "count"];
set "box" "start";
include "inc-global";
fileinto "main-${box}";
include "inc-global";
fileinto "count-${count}";

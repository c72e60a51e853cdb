require ["include", "variables", "fileinto"];
global ["box", "count"];
fileinto "inc-${box}";
set "box" "${box}-changed";
set "count" "${count}x";

require ["variables", "fileinto"];
fileinto "local-[${box}]";
set "box" "mine";

require ["variables", "fileinto"];
set "global.x" "1";
fileinto "${global.x}";

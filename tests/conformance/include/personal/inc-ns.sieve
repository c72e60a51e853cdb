require ["include", "variables", "fileinto"];
fileinto "ns-${global.flag}";
set "global.flag" "from-inc";

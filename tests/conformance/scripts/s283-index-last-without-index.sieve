require ["index", "fileinto"];
if header :last :is "x-tag" "gamma" { fileinto "x"; }

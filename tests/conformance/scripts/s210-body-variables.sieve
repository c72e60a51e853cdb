require ["body", "fileinto", "variables"];
set "word" "noon";
if body :contains "${word}" { fileinto "var-key"; }
if body :matches "Lunch at *?*" { fileinto "got-${1}"; }
set "ct" "text/plain";
if body :content "${ct}" :contains "usual" { fileinto "var-type"; }

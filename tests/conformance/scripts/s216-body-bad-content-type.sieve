require ["body", "fileinto"];
if body :content "text/" :contains "x" { fileinto "x"; }

require ["body", "fileinto"];
if body :contains "deepest text" { fileinto "deepest"; }
if body :content "multipart/mixed" :contains "deepest" { fileinto "in-multipart"; }

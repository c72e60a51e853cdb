require ["body", "fileinto"];
if body :raw :text :contains "x" { fileinto "x"; }

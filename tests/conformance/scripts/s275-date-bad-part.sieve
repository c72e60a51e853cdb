require ["date", "fileinto"];
if date "date" "fortnight" "1" { fileinto "x"; }

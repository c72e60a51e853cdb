require ["date", "fileinto"];
if date :zone "+0100" :originalzone "date" "hour" "12" { fileinto "x"; }

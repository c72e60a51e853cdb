require ["date", "fileinto"];
if date :zone "0100" "date" "hour" "12" { fileinto "x"; }

require ["body", "fileinto"];
if body :comparator "i;octet" :contains "LUNCH" { fileinto "octet-upper"; }
if body :comparator "i;ascii-casemap" :contains "LUNCH" { fileinto "casemap-upper"; }
if body :comparator "i;octet" :contains "Lunch" { fileinto "octet-exact"; }

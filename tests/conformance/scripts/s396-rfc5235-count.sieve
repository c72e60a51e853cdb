require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"];
if spamtest :count "eq" :comparator "i;ascii-numeric" "0" { fileinto "not-tested"; }
if spamtest :count "eq" :comparator "i;ascii-numeric" "1" { fileinto "tested"; }

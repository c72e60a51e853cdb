require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto", "variables"];
if spamtest :matches "*" { fileinto "score-${1}"; }
if spamtest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "untested"; }
elsif spamtest :value "ge" :comparator "i;ascii-numeric" "5" { fileinto "spam"; }
else { fileinto "ham"; }

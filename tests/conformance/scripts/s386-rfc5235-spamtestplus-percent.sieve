require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto", "variables"];
if spamtest :percent :matches "*" { fileinto "pct-${1}"; }
if spamtest :percent :value "ge" :comparator "i;ascii-numeric" "60" { fileinto "likely-spam"; }

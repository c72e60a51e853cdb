require ["relational", "comparator-i;ascii-numeric"];
if spamtest :value "gt" :comparator "i;ascii-numeric" "5" { discard; }

require ["date", "relational", "comparator-i;ascii-numeric", "fileinto"];
if date :value "gt" :comparator "i;ascii-numeric" :originalzone "date" "julian" "58900" { fileinto "after-58900"; }
if date :value "lt" :comparator "i;ascii-numeric" :originalzone "date" "julian" "58908" { fileinto "before-58908"; }

# RFC 5231 section 4.1 :value with every relational operator.
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "gt" :comparator "i;ascii-numeric" "X-Spam-Score" "10" { fileinto "score-gt-10"; }
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "12" { fileinto "score-ge-12"; }
if header :value "lt" :comparator "i;ascii-numeric" "X-Spam-Score" "12" { fileinto "score-lt-12"; }
if header :value "le" :comparator "i;ascii-numeric" "X-Spam-Score" "12" { fileinto "score-le-12"; }
if header :value "eq" :comparator "i;ascii-numeric" "X-Count" "10" { fileinto "count-eq-10"; }
if header :value "ne" :comparator "i;ascii-numeric" "X-Count" "10" { fileinto "count-ne-10"; }
if header :value "gt" :comparator "i;ascii-numeric" "X-Num" "999999" { fileinto "nondigit-gt-big"; }
if header :value "lt" :comparator "i;ascii-numeric" "X-Neg" "0" { fileinto "neg-lt-0"; }
if header :value "gt" :comparator "i;ascii-numeric" "X-Big" "18446744073709551615" { fileinto "big-gt-2^64-1"; }
if header :value "gt" "X-Version" "9" { fileinto "casemap-10-gt-9"; }
if header :value "lt" "X-Version" "9" { fileinto "casemap-10-lt-9"; }
if header :value "gt" :comparator "i;ascii-numeric" "X-Version" "9" { fileinto "numeric-10-gt-9"; }
if header :value "ge" "X-Version-Old" "9" { fileinto "casemap-9-ge-9"; }
if header :value "gt" :comparator "i;octet" "Subject" "Disk" { fileinto "octet-gt"; }
if header :value "lt" "Subject" "disk usage alerts" { fileinto "casemap-lt-prefix"; }
if header :value "eq" "X-None" "" { fileinto "absent-eq-empty"; }
if header :value "ne" "X-None" "x" { fileinto "absent-ne"; }

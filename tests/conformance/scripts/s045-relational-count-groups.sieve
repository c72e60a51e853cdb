# :count of addresses in groups and lists (RFC 5231 4.2, RFC 5322 3.4 groups).
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if address :count "eq" :comparator "i;ascii-numeric" "to" "0" { fileinto "to-0"; }
if address :count "eq" :comparator "i;ascii-numeric" "to" "1" { fileinto "to-1"; }
if address :count "eq" :comparator "i;ascii-numeric" "to" "3" { fileinto "to-3"; }
if address :count "eq" :comparator "i;ascii-numeric" "cc" "2" { fileinto "cc-2"; }
if address :count "eq" :comparator "i;ascii-numeric" "cc" "3" { fileinto "cc-3"; }
if address :count "eq" :comparator "i;ascii-numeric" "from" "1" { fileinto "from-1"; }
if address :count "eq" :comparator "i;ascii-numeric" "bcc" "0" { fileinto "bcc-0"; }

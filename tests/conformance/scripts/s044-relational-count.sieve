# RFC 5231 section 4.2 :count on header, address and envelope.
require ["relational", "comparator-i;ascii-numeric", "fileinto", "envelope"];
if header :count "eq" :comparator "i;ascii-numeric" "Received" "3" { fileinto "received-3"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-Label" "3" { fileinto "label-3"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-None" "0" { fileinto "none-0"; }
if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "to-addr-2"; }
if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "4" { fileinto "to-cc-addr-4"; }
if header :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "to-fields-2"; }
if envelope :count "eq" :comparator "i;ascii-numeric" "to" "1" { fileinto "env-to-1"; }
if envelope :count "eq" :comparator "i;ascii-numeric" ["from", "to"] "2" { fileinto "env-2"; }
if header :count "lt" "Received" "10" { fileinto "casemap-3-lt-10"; }
if header :count "ne" :comparator "i;ascii-numeric" "Subject" "1" { fileinto "subject-ne-1"; }
if header :count "ge" :comparator "i;ascii-numeric" "X-Empty" "1" { fileinto "empty-counted"; }

# Tests against headers that are absent (RFC 5228 5.1, 5.7).
require ["fileinto", "relational", "comparator-i;ascii-numeric"];
if not exists "Subject" { fileinto "no-subject"; }
if not exists "To" { fileinto "no-to"; }
if header :contains "Subject" "" { fileinto "subject-empty-key"; }
if address :is :all "to" "" { fileinto "to-empty-key"; }
if not address :matches "to" "*" { fileinto "to-no-star"; }
if address :count "eq" :comparator "i;ascii-numeric" "to" "0" { fileinto "to-count-0"; }
if header :count "eq" :comparator "i;ascii-numeric" ["to", "subject", "date"] "0" { fileinto "count-0"; }
if address :domain :is "from" "example.com" { fileinto "from-domain"; }

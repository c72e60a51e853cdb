# RFC 5228 section 2.7.4: an invalid address is not matched by :localpart/:domain.
require ["fileinto", "variables", "relational", "comparator-i;ascii-numeric"];
if address :all :matches "from" "*" { fileinto "from-all=${1}"; }
if address :domain :matches "from" "*" { fileinto "from-domain-star"; }
if address :localpart :matches "from" "*" { fileinto "from-local-star"; }
if address :is "cc" "valid@example.com" { fileinto "cc-valid-found"; }
if address :count "eq" :comparator "i;ascii-numeric" "cc" "1" { fileinto "cc-count-1"; }
if address :count "ge" :comparator "i;ascii-numeric" "cc" "2" { fileinto "cc-count-ge2"; }
if address :domain :is "cc" "nolocal.example.com" { fileinto "cc-nolocal-domain"; }
if address :all :is "sender" "" { fileinto "sender-null"; }
if address :is "resent-from" "resender@example.net" { fileinto "resent-from"; }
if address :domain :is "to" "acme.example.com" { fileinto "to-domain"; }

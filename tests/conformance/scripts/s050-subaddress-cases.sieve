# RFC 5233 section 4: empty detail, no detail, repeated separator.
require ["subaddress", "fileinto"];
if address :detail :is "cc" "" { fileinto "cc-empty-detail"; }
if address :detail :is "cc" "abuse" { fileinto "cc-abuse"; }
if address :user :is "cc" "postmaster" { fileinto "cc-user-postmaster"; }
if address :detail :is "cc" "foo+bar" { fileinto "cc-detail-foo+bar"; }
if address :detail :is "cc" "bar" { fileinto "cc-detail-bar"; }
if address :user :is "cc" "ken" { fileinto "cc-user-ken"; }
if address :detail :matches "from" "*" { fileinto "from-no-detail-star"; }
if address :detail :is "from" "" { fileinto "from-no-detail-empty"; }
if address :user :is "from" "tjs" { fileinto "from-user-whole"; }
if address :detail :matches "to" ["*.sieve", "mta-*"] { fileinto "to-detail-wild"; }

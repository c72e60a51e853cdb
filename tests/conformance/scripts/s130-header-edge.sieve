# Header parsing edge cases: raw UTF-8 (RFC 6532), whitespace before the
# colon (RFC 5322 4.5.?, obs-optional), body lines are not headers, a long
# unfolded line, case-insensitive field names, RFC 2231 language in an
# encoded-word (RFC 2231 section 5).
require ["fileinto", "variables", "relational", "comparator-i;ascii-numeric"];
if header :contains "Subject" "Grüße" { fileinto "raw-utf8"; }
if exists "X-Obs-Space" { fileinto "obs-space-exists"; }
if header :matches "X-Obs-Space" "*" { fileinto "obs-space=${1}"; }
if exists "X-Injected" { fileinto "body-line-seen"; }
if header :count "eq" :comparator "i;ascii-numeric" "Subject" "1" { fileinto "one-subject"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-Label" "2" { fileinto "two-labels"; }
if header :contains "X-Long" "qqqqqqqqqq end" { fileinto "long-line"; }
if header :matches "X-Rfc2231" "*" { fileinto "rfc2231=${1}"; }

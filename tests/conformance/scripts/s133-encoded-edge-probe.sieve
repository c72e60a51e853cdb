# RFC 2047 edge cases: encoded-words across a fold (section 6.2: whitespace
# between adjacent encoded-words is ignored), an unknown charset (section 6.3),
# "_" and =20 in Q (section 4.2), lowercase q; a header without a body and
# without a final newline; an underscore in a field name.
require ["fileinto", "variables"];
if header :matches "Subject" "*" { fileinto "subject=${1}"; }
if header :matches "From" "*" { fileinto "from=${1}"; }
if header :matches "X-Adjacent" "*" { fileinto "adjacent=${1}"; }
if header :matches "X-Spaces-Encoded" "*" { fileinto "spaces=${1}"; }
if header :matches "X-Lower-Q" "*" { fileinto "lowerq=${1}"; }
if header :matches "Date" "*" { fileinto "date=${1}"; }
if exists "X_Under_Score" { fileinto "underscore-field"; }
if size :under 1K { fileinto "small"; }

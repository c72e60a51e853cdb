# RFC 5231 section 5: an unknown relational operator is an error.
require ["relational", "fileinto"];
if header :value "greater" "X-Count" "1" { fileinto "x"; }

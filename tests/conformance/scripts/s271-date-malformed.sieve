# RFC 5260 §4: a field without a valid date matches nothing, its :count is 0.
require ["date", "relational", "fileinto"];
if date :matches "x-bad-date" "date" "*" { fileinto "bad-matched"; }
if date :matches "x-worse-date" "year" "*" { fileinto "worse-matched"; }
if date :matches "x-missing" "year" "*" { fileinto "missing-matched"; }
if date :count "eq" "x-bad-date" "date" "0" { fileinto "bad-count-0"; }
if date :count "eq" "date" "year" "1" { fileinto "date-count-1"; }
if not date :matches "x-bad-date" "date" "*" { fileinto "not-bad"; }

# A weekday that does not fit the date is ignored; a 3-digit year is +1900.
require ["date", "variables", "fileinto"];
if date :matches :originalzone "x-wrong-weekday" "weekday" "*" { fileinto "wd-${1}"; }
if date :matches :originalzone "x-three-digit-year" "year" "*" { fileinto "year-${1}"; }

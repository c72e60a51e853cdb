# RFC 5260: date-parts of the Date field and of the current time (--now).
require ["date", "index", "relational", "variables", "fileinto"];
if currentdate :zone "+0100" :matches "std11" "*" { set "now" "${1}"; }
if currentdate :zone "-0330" :matches "iso8601" "*" { set "iso" "${1}"; }
if currentdate :zone "+0000" :matches "julian" "*" { set "mjd" "${1}"; }
if currentdate :zone "+0000" :is "weekday" "1" { set "monday" "yes"; }
fileinto "now/${now}/${iso}/${mjd}/${monday}";
if date :originalzone :matches "date" "iso8601" "*" { fileinto "date/${1}"; }
if date :zone "+0900" :matches "date" "std11" "*" { fileinto "tokyo/${1}"; }
if date :index 3 :originalzone :matches "received" "date" "*" { fileinto "third-received/${1}"; }
if date :matches "x-bad-date" "date" "*" { fileinto "never"; }
if date :count "eq" "x-bad-date" "year" "0" { fileinto "bad-date-count-0"; }

# currentdate on stable facts only (the runner cannot fix the clock of sieve-test).
require ["date", "relational", "fileinto"];
if currentdate :value "ge" "year" "2024" { fileinto "recent"; }
if currentdate :matches "iso8601" "????-??-??T??:??:??*" { fileinto "iso-shape"; }
if currentdate :matches "std11" "???, ?? ??? ???? ??:??:?? ?????" { fileinto "std11-shape"; }
if currentdate :zone "+0000" :is "zone" "+0000" { fileinto "zone"; }
if currentdate :value "lt" "weekday" "7" { fileinto "weekday"; }
if currentdate :count "eq" "year" "1" { fileinto "count-1"; }

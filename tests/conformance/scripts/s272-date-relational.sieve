# RFC 5260 §4 example: office hours, in the sender's zone.
require ["date", "relational", "fileinto"];
if allof(date :value "ge" :originalzone "date" "hour" "09",
         date :value "lt" :originalzone "date" "hour" "17") { fileinto "office"; }
if date :value "ge" :originalzone "date" "hour" "23" { fileinto "late"; }
if date :value "lt" :zone "+0000" "date" "date" "2020-02-29" { fileinto "before-leap-day-utc"; }
if date :is :zone "+0000" "date" "date" "2020-02-28" { fileinto "utc-28"; }

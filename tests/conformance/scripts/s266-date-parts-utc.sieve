# RFC 5260 §4.2: +0000 shows as Z in iso8601, zone +0000.
require ["date", "variables", "fileinto"];
if date :matches :zone "+0000" "date" "year" "*" { fileinto "year=${1}"; }
if date :matches :zone "+0000" "date" "month" "*" { fileinto "month=${1}"; }
if date :matches :zone "+0000" "date" "day" "*" { fileinto "day=${1}"; }
if date :matches :zone "+0000" "date" "date" "*" { fileinto "date=${1}"; }
if date :matches :zone "+0000" "date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :zone "+0000" "date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :zone "+0000" "date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :zone "+0000" "date" "second" "*" { fileinto "second=${1}"; }
if date :matches :zone "+0000" "date" "time" "*" { fileinto "time=${1}"; }
if date :matches :zone "+0000" "date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :zone "+0000" "date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :zone "+0000" "date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :zone "+0000" "date" "weekday" "*" { fileinto "weekday=${1}"; }

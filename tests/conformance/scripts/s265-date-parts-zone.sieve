# RFC 5260 §4.1: shifted to -0500.
require ["date", "variables", "fileinto"];
if date :matches :zone "-0500" "date" "year" "*" { fileinto "year=${1}"; }
if date :matches :zone "-0500" "date" "month" "*" { fileinto "month=${1}"; }
if date :matches :zone "-0500" "date" "day" "*" { fileinto "day=${1}"; }
if date :matches :zone "-0500" "date" "date" "*" { fileinto "date=${1}"; }
if date :matches :zone "-0500" "date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :zone "-0500" "date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :zone "-0500" "date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :zone "-0500" "date" "second" "*" { fileinto "second=${1}"; }
if date :matches :zone "-0500" "date" "time" "*" { fileinto "time=${1}"; }
if date :matches :zone "-0500" "date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :zone "-0500" "date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :zone "-0500" "date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :zone "-0500" "date" "weekday" "*" { fileinto "weekday=${1}"; }

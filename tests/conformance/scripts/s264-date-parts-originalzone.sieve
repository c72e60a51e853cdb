# RFC 5260 §4.2: every date-part of the Date field in its own zone.
require ["date", "variables", "fileinto"];
if date :matches :originalzone "date" "year" "*" { fileinto "year=${1}"; }
if date :matches :originalzone "date" "month" "*" { fileinto "month=${1}"; }
if date :matches :originalzone "date" "day" "*" { fileinto "day=${1}"; }
if date :matches :originalzone "date" "date" "*" { fileinto "date=${1}"; }
if date :matches :originalzone "date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :originalzone "date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :originalzone "date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :originalzone "date" "second" "*" { fileinto "second=${1}"; }
if date :matches :originalzone "date" "time" "*" { fileinto "time=${1}"; }
if date :matches :originalzone "date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :originalzone "date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :originalzone "date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :originalzone "date" "weekday" "*" { fileinto "weekday=${1}"; }

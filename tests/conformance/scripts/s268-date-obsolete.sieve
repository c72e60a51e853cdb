# RFC 2822 §4.3 obsolete forms: 2-digit year, EST, no seconds.
require ["date", "variables", "fileinto"];
if date :matches :originalzone "x-old-date" "year" "*" { fileinto "year=${1}"; }
if date :matches :originalzone "x-old-date" "month" "*" { fileinto "month=${1}"; }
if date :matches :originalzone "x-old-date" "day" "*" { fileinto "day=${1}"; }
if date :matches :originalzone "x-old-date" "date" "*" { fileinto "date=${1}"; }
if date :matches :originalzone "x-old-date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :originalzone "x-old-date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :originalzone "x-old-date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :originalzone "x-old-date" "second" "*" { fileinto "second=${1}"; }
if date :matches :originalzone "x-old-date" "time" "*" { fileinto "time=${1}"; }
if date :matches :originalzone "x-old-date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :originalzone "x-old-date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :originalzone "x-old-date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :originalzone "x-old-date" "weekday" "*" { fileinto "weekday=${1}"; }

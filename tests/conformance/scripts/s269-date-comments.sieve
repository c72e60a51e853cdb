# CFWS with comments inside a date-time.
require ["date", "variables", "fileinto"];
if date :matches :originalzone "x-comment-date" "year" "*" { fileinto "year=${1}"; }
if date :matches :originalzone "x-comment-date" "month" "*" { fileinto "month=${1}"; }
if date :matches :originalzone "x-comment-date" "day" "*" { fileinto "day=${1}"; }
if date :matches :originalzone "x-comment-date" "date" "*" { fileinto "date=${1}"; }
if date :matches :originalzone "x-comment-date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :originalzone "x-comment-date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :originalzone "x-comment-date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :originalzone "x-comment-date" "second" "*" { fileinto "second=${1}"; }
if date :matches :originalzone "x-comment-date" "time" "*" { fileinto "time=${1}"; }
if date :matches :originalzone "x-comment-date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :originalzone "x-comment-date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :originalzone "x-comment-date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :originalzone "x-comment-date" "weekday" "*" { fileinto "weekday=${1}"; }

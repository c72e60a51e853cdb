# RFC 5260 §4: the date after the last ';' of Received (the first one).
require ["date", "variables", "fileinto"];
if date :matches :originalzone "received" "year" "*" { fileinto "year=${1}"; }
if date :matches :originalzone "received" "month" "*" { fileinto "month=${1}"; }
if date :matches :originalzone "received" "day" "*" { fileinto "day=${1}"; }
if date :matches :originalzone "received" "date" "*" { fileinto "date=${1}"; }
if date :matches :originalzone "received" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :originalzone "received" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :originalzone "received" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :originalzone "received" "second" "*" { fileinto "second=${1}"; }
if date :matches :originalzone "received" "time" "*" { fileinto "time=${1}"; }
if date :matches :originalzone "received" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :originalzone "received" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :originalzone "received" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :originalzone "received" "weekday" "*" { fileinto "weekday=${1}"; }

require ["date", "variables", "fileinto"];
if date :matches :originalzone "x-zulu-date" "year" "*" { fileinto "year=${1}"; }
if date :matches :originalzone "x-zulu-date" "month" "*" { fileinto "month=${1}"; }
if date :matches :originalzone "x-zulu-date" "day" "*" { fileinto "day=${1}"; }
if date :matches :originalzone "x-zulu-date" "date" "*" { fileinto "date=${1}"; }
if date :matches :originalzone "x-zulu-date" "julian" "*" { fileinto "julian=${1}"; }
if date :matches :originalzone "x-zulu-date" "hour" "*" { fileinto "hour=${1}"; }
if date :matches :originalzone "x-zulu-date" "minute" "*" { fileinto "minute=${1}"; }
if date :matches :originalzone "x-zulu-date" "second" "*" { fileinto "second=${1}"; }
if date :matches :originalzone "x-zulu-date" "time" "*" { fileinto "time=${1}"; }
if date :matches :originalzone "x-zulu-date" "iso8601" "*" { fileinto "iso8601=${1}"; }
if date :matches :originalzone "x-zulu-date" "std11" "*" { fileinto "std11=${1}"; }
if date :matches :originalzone "x-zulu-date" "zone" "*" { fileinto "zone=${1}"; }
if date :matches :originalzone "x-zulu-date" "weekday" "*" { fileinto "weekday=${1}"; }

# RFC 5233 section 4: :user and :detail on header addresses, shown via match variables.
require ["subaddress", "fileinto", "variables", "envelope"];
if address :user :matches "to" "*" { fileinto "to-user=${1}"; }
if address :detail :matches "to" "*" { fileinto "to-detail=${1}"; }
if envelope :user :matches "to" "*" { fileinto "env-user=${1}"; }
if envelope :detail :matches "to" "*" { fileinto "env-detail=${1}"; }
if envelope :detail :is "to" "" { fileinto "env-detail-empty"; }
if envelope :localpart :matches "to" "*" { fileinto "env-local=${1}"; }
if envelope :domain :matches "to" "*" { fileinto "env-domain=${1}"; }

# RFC 5228 section 5.4: envelope parts, shown via match variables.
require ["envelope", "variables", "fileinto"];
if envelope :all :matches "from" "*" { fileinto "from=${1}"; }
if envelope :localpart :matches "from" "*" { fileinto "from-local=${1}"; }
if envelope :domain :matches "from" "*" { fileinto "from-domain=${1}"; }
if envelope :all :matches "to" "*" { fileinto "to=${1}"; }
if envelope :domain :is "to" "EXAMPLE.ORG" { fileinto "to-domain-casemap"; }
if envelope :is :comparator "i;octet" :domain "to" "EXAMPLE.ORG" { fileinto "to-domain-octet"; }
if envelope :contains "from" "example" { fileinto "from-contains"; }
if envelope :all :is "FROM" "alice@example.com" { fileinto "from-uppercase-name"; }

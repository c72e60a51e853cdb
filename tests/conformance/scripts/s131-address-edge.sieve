# Address forms (RFC 5322 3.4.1, 4.4 obs-route, RFC 5228 5.1): comments,
# source routes, quoted local parts with "@", domain literals.
require ["fileinto", "variables"];
if address :all :is "from" "alice@example.com" { fileinto "from-comment-ignored"; }
if address :all :matches "to" "*" { fileinto "to=${1}"; }
if address :domain :is "to" "example.org" { fileinto "to-route-dropped"; }
if address :localpart :is "cc" "a@b" { fileinto "cc-quoted-at-local"; }
if address :domain :is "cc" "[192.0.2.1]" { fileinto "cc-domain-literal"; }
if address :domain :is :comparator "i;octet" "cc" "EXAMPLE.ORG" { fileinto "cc-domain-as-written"; }
if address :all :is "bcc" "hidden@example.org" { fileinto "bcc"; }
if address :localpart :matches "cc" "j.*" { fileinto "cc-local=${1}"; }

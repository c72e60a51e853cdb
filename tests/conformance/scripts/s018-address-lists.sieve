# Address test across To/Cc with several addresses, display names,
# comments, quoted local parts and groups (RFC 5228 section 5.1, RFC 5322 3.4).
require "fileinto";
if address :is :all "to" "bob@example.org" { fileinto "to-bob"; }
if address :is :all "to" "carol@example.net" { fileinto "to-carol-comment"; }
if address :is :all "to" "jane.doe@example.net" { fileinto "to-jane-quoted-name"; }
if address :is :all "cc" "\"john.q.public\"@example.com" { fileinto "cc-quoted-local-quoted"; }
if address :is :all "cc" "john.q.public@example.com" { fileinto "cc-quoted-local-plain"; }
if address :is :localpart "cc" "john.q.public" { fileinto "cc-local-jqp"; }
if address :is :all "cc" "frank@example.com" { fileinto "cc-angle-only"; }
if address :is :all "cc" "anna@example.org" { fileinto "cc-group-member"; }
if address :is :all "cc" "ben@example.org" { fileinto "cc-group-member2"; }
if address :is :all "cc" "single@example.net" { fileinto "cc-after-group"; }
if address :contains :all "to" "undisclosed" { fileinto "to-undisclosed"; }
if address :is :domain ["to", "cc"] "example.org" { fileinto "any-example-org"; }
if address :is :all "to" "Doe, Jane" { fileinto "to-display-name"; }
if address :contains :all "to" "Carol Smith" { fileinto "to-comment-text"; }

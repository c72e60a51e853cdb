# RFC 5322 section 2.2.3 unfolding; leading whitespace of the value is not part of it.
require ["fileinto", "variables"];
if header :matches "subject" "*" { fileinto "subject=${1}"; }
if header :matches "X-Ticket" "*" { fileinto "ticket=${1}"; }
if header :matches "Received" "*id 7Hq2*" { fileinto "received-folded"; }
if header :contains "subject" "window" { fileinto "contains-window"; }
if address :is :all "to" "Bob@Example.ORG" { fileinto "to-case"; }
if address :is :all :comparator "i;octet" "from" "OPS@Example.COM" { fileinto "from-octet-exact"; }
if address :is :domain :comparator "i;octet" "from" "example.com" { fileinto "from-domain-octet-lower"; }

# RFC 5322 section 2.2.3: unfolding removes the CRLF only; the TAB that
# starts the continuation line stays in the value.
require ["fileinto", "encoded-character"];
if header :contains "subject" "window${hex:09}tonight" { fileinto "has-tab"; }
if header :contains "subject" "window tonight" { fileinto "has-space"; }
if header :contains "subject" "22:00  UTC" { fileinto "two-spaces"; }

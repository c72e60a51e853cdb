# RFC 5228 section 2.6.2: two match types on one test is an error.
if header :is :contains "subject" "x" { discard; }

# The address test on Subject (not an address header): RFC 5228 section 5.1
# lets implementations refuse it.
require "fileinto";
if address :contains "subject" "sieve" { fileinto "subject-as-address"; }

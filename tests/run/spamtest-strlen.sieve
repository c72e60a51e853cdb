# RFC 5235 with sieve_spamtest_status_type = strlen: "*******" of at most 10 is spamtest 7; untested virustest is 0.
require ["spamtest", "virustest", "fileinto", "variables"];
if spamtest :matches "*" { fileinto "spam-${1}"; }
if virustest :is "0" { fileinto "virus-untested"; }

# RFC 5235: SpamAssassin's score 7.5 of 10 is spamtest 7 and :percent 75; virustest "suspicious" (text value 3) is 3.
require ["spamtestplus", "virustest", "fileinto", "variables", "relational", "comparator-i;ascii-numeric"];
if spamtest :matches "*" { set "s" "${1}"; }
if spamtest :percent :matches "*" { set "p" "${1}"; }
if virustest :matches "*" { set "v" "${1}"; }
fileinto "spam-${s}-${p}-virus-${v}";
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; }
if spamtest :count "eq" :comparator "i;ascii-numeric" "1" { fileinto "tested"; }

# RFC 5229 section 5: the string test, and the example from that section.
require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
set "state" "${state} pending";
if string :matches " ${state} " "* pending *" {
    fileinto "always";
}
set "x" "Hello World";
if string :is "${x}" "hello world" { fileinto "is-casemap"; }
if string :is :comparator "i;octet" "${x}" "hello world" { fileinto "is-octet"; }
if string :contains "${x}" "lo Wo" { fileinto "contains"; }
if string :is ["a", "${x}"] ["b", "Hello World"] { fileinto "lists"; }
if string :count "eq" :comparator "i;ascii-numeric" ["a", "", "b"] "2" { fileinto "count-2"; }
if string :count "eq" :comparator "i;ascii-numeric" "" "0" { fileinto "count-empty-0"; }
if string :value "gt" :comparator "i;ascii-numeric" "${unset}" "5" { fileinto "empty-numeric-gt"; }
if string :is "${unset}" "" { fileinto "unset-is-empty"; }

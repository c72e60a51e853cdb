# Short-circuit evaluation of anyof/allof (RFC 5228 5.2/5.3) seen through
# match variables (RFC 5229 3.2).
require ["fileinto", "variables"];
if anyof (header :matches "subject" "*Friday*", header :matches "from" "*") {
    fileinto "a=[${1}]";
}
if allof (header :matches "from" "*", header :matches "subject" "Lunch*") {
    fileinto "b=[${1}]";
}
if allof (header :matches "subject" "L*", false) { fileinto "never"; }
fileinto "c=[${1}]";

# --trace: each command, each comparison with its match type and comparator,
# each test's result (a missing header compares nothing), each variable set.
require ["variables", "fileinto", "copy", "relational", "comparator-i;ascii-numeric", "regex"];
if header :matches "Subject" "* lunch" {
    set "what" "${1}";
}
if header :count "ge" :comparator "i;ascii-numeric" "Received" "2" {
    fileinto "Many";
} elsif header :regex "X-Spam" "^yes" {
    discard;
} elsif address :domain :is ["From", "To"] ["example.com", "example.net"] {
    fileinto :copy "Family";
}

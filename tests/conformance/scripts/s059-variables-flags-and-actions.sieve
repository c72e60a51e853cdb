# Variables in action arguments (RFC 5229 section 3) including redirect and reject-free actions.
require ["variables", "fileinto", "envelope"];
if envelope :matches "to" "*@*" {
    set "user" "${1}";
    set "domain" "${2}";
}
if address :matches "from" "*@*" {
    fileinto "from/${2}/${1}";
}
fileinto "rcpt/${domain}/${user}";
if header :matches "Subject" "*Friday*" {
    redirect "${user}-friday@${domain}";
}

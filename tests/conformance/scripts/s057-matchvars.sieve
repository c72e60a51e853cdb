# RFC 5229 section 3.2: ${0} whole match, ? and * groups, unmatched
# variables empty, :is does not reset them.
require ["variables", "fileinto"];
if header :matches "Subject" "?u* on *" {
    fileinto "m1=[${0}][${1}][${2}][${3}][${4}]";
}
if header :is "Subject" "Lunch on Friday?" {
    fileinto "m2-after-is=[${1}]";
}
if header :matches "Subject" "nomatch*" { fileinto "never"; }
fileinto "m3-after-failed=[${1}]";
if header :matches "Subject" "*" { fileinto "m4=[${1}][${2}]"; }
if address :matches :localpart "from" "a*e" { fileinto "m5=[${1}]"; }
if header :matches "subject" "*?" { fileinto "m6=[${1}][${2}]"; }

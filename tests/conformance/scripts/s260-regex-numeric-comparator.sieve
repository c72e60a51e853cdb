# i;ascii-numeric cannot search: an error with :regex.
require ["regex", "comparator-i;ascii-numeric", "fileinto"];
if header :regex :comparator "i;ascii-numeric" "subject" "1" { fileinto "x"; }

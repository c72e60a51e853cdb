# Only the first 8 KiB of a value are searched by :regex; "$" must not match
# where the value is cut (this Subject is 9,000 "a" and a "!": no match).
require ["regex", "fileinto"];
if header :regex "subject" "^(a|aa)*$" { fileinto "AllA"; }
if header :regex "subject" "^a+" { fileinto "StartsWithA"; }

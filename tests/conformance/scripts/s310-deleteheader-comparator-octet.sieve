# RFC 5293 section 5: the comparator applies to the value patterns.
require ["editheader", "fileinto"];
deleteheader :comparator "i;octet" :is "X-Hello" "FIRST";
if header :is "X-Hello" "first" { fileinto "first-kept"; }

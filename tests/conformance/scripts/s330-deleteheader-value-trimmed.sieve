# RFC 5293 section 5: whitespace around the value is ignored (folded field).
require ["editheader", "fileinto"];
deleteheader :is "X-Folded" "one   two";
if exists "X-Folded" { fileinto "kept"; } else { fileinto "deleted"; }

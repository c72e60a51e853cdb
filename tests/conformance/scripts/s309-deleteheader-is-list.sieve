# RFC 5293 section 5: any of the value patterns.
require ["editheader", "fileinto"];
deleteheader :is "X-Hello" ["FIRST", "third"];
if header :is "X-Hello" "first" { fileinto "first"; }
if header :is "X-Hello" "second" { fileinto "second"; }

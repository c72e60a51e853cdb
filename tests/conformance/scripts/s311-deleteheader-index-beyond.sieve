# RFC 5293 section 5: an index past the last field is no error.
require ["editheader", "fileinto"];
deleteheader :index 9 "X-Hello";
if header :is "X-Hello" "third" { fileinto "third"; }

# RFC 5293 section 5: value patterns with :matches.
require ["editheader", "fileinto"];
deleteheader :matches "X-Hello" "*ir*";
if header :is "X-Hello" "first" { fileinto "first"; }
if header :is "X-Hello" "third" { fileinto "third"; }
if header :is "X-Hello" "second" { fileinto "second"; }

# RFC 5293 section 7: deleting :index 1 then :index 2 removes the first and third.
require ["editheader", "fileinto"];
deleteheader :index 1 "X-Hello";
deleteheader :index 2 "X-Hello";
if header :is "X-Hello" "first" { fileinto "first"; }
if header :is "X-Hello" "second" { fileinto "second"; }
if header :is "X-Hello" "third" { fileinto "third"; }

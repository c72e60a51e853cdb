# RFC 5293 section 5: :last counts backwards.
require ["editheader", "fileinto"];
deleteheader :index 1 :last "X-Hello";
if header :is "X-Hello" "third" { fileinto "third"; }
if header :is "X-Hello" "second" { fileinto "second"; }

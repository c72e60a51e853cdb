# RFC 5293 section 4: :last appends; deleting :index 1 :last removes it again.
require ["editheader", "fileinto"];
addheader :last "X-Hello" "fourth";
if header :is "X-Hello" "fourth" { fileinto "added"; }
deleteheader :index 1 :last "X-Hello";
if header :is "X-Hello" "fourth" { fileinto "still"; }
if header :is "X-Hello" "third" { fileinto "third"; }

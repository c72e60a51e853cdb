# RFC 5293 section 4: by default the field goes first, so it is :index 1.
require ["editheader", "fileinto"];
addheader "X-Hello" "zeroth";
deleteheader :index 1 "X-Hello";
if header :is "X-Hello" "zeroth" { fileinto "zeroth"; }
if header :is "X-Hello" "first" { fileinto "first"; }

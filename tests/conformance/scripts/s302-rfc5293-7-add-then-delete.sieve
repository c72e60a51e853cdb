# RFC 5293 section 7: addheader then deleteheader :index 1 leaves the message unchanged.
require ["editheader", "fileinto", "relational", "comparator-i;ascii-numeric"];
addheader "X-Hello" "World";
deleteheader :index 1 "X-Hello";
if header :is "X-Hello" "World" { fileinto "still-there"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-Hello" "3" { fileinto "three"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-Hello" "0" { fileinto "none"; }

# RFC 5293 section 4: an invalid name built at run time is a runtime error.
require ["editheader", "variables", "fileinto"];
set "n" "X Bad";
addheader "${n}" "value";
fileinto "after";

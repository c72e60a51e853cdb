# RFC 5293 section 4: a field name built at run time must be valid: a runtime error, implicit keep.
require ["editheader", "variables", "fileinto"];
fileinto "before";
set "name" "X Bad";
addheader "${name}" "value";

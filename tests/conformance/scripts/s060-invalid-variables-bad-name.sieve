# RFC 5229 section 4: the variable name of set must be a valid identifier.
require "variables";
set "1abc" "x";

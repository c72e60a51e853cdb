# RFC 5293 section 4: an invalid field name is an error.
require ["editheader"];
addheader "X Bad" "value";

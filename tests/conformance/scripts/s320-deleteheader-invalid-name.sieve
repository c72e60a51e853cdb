# RFC 5293 section 5: an invalid field name is an error.
require ["editheader"];
deleteheader "Bad Name";

# RFC 5293 section 4: a colon is not part of the field name.
require ["editheader"];
addheader "X-Bad:" "value";

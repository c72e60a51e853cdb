# RFC 5293 section 5: :index needs a number.
require ["editheader"];
deleteheader :index "1" "X-Hello";

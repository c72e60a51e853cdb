# RFC 5293 section 5: "MUST flag an error if :last is specified without also specifying :index".
require ["editheader"];
deleteheader :last "X-Hello";

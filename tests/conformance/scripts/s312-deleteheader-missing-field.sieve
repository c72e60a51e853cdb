# RFC 5293 section 5: no matching field is no error.
require ["editheader", "fileinto"];
deleteheader "X-Not-There";
fileinto "done";

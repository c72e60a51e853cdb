# RFC 5463 §5: error ends the run with a runtime error; the implicit keep remains.
require ["ihave", "fileinto"];
fileinto "before-error";
error "this script gave up";
fileinto "after-error";

require ["include", "fileinto"];
include "no-such-script";

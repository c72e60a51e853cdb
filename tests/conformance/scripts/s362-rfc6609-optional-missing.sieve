require ["include", "fileinto"];
include :optional "no-such-script";
fileinto "went-on";

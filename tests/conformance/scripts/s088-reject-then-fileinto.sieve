# RFC 5429 section 2.2 / RFC 5228 2.10.1: reject is incompatible with fileinto.
require ["reject", "fileinto"];
fileinto "Work";
reject "No thanks";

# RFC 5429 section 2.1: ereject is incompatible with fileinto.
require ["ereject", "fileinto"];
fileinto "Work";
ereject "No";

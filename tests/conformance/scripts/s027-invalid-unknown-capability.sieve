# RFC 5228 section 3.2: an unknown capability is an error.
require ["fileinto", "x-no-such-extension"];
fileinto "Work";

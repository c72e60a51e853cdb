# RFC 5228 section 3.2: fileinto without require is an error.
fileinto "Work";

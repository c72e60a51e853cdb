# RFC 3894 section 3 with RFC 5228 2.10.3: the same mailbox with and
# without :copy.
require ["copy", "fileinto"];
fileinto :copy "Work";
fileinto "Work";

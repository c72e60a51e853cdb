# RFC 5228 section 2.10.3: an action done twice is done once.
require "fileinto";
keep;
keep;
fileinto "INBOX";
fileinto "inbox";
redirect "alice@example.com";
redirect "alice@example.com";
redirect "Alice@EXAMPLE.com";
fileinto "Archive";
fileinto "Archive";
fileinto "archive";

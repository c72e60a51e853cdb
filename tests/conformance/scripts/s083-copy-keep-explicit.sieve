# :copy plus an explicit keep: the message is in INBOX once.
require ["copy", "fileinto"];
fileinto :copy "Sent-Copy";
keep;

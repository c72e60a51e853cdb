# :copy does not cancel the implicit keep; discard does.
require ["copy", "fileinto"];
fileinto :copy "Copies";
redirect :copy "archive@example.net";
discard;

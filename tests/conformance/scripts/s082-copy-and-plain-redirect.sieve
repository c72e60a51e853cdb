# The same redirect target with and without :copy.
require ["copy"];
redirect "boss@example.com";
redirect :copy "boss@example.com";

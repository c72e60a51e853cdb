# RFC 3894 section 3: redirect :copy keeps the implicit keep.
require ["copy"];
redirect :copy "archive@example.net";
redirect :copy "backup@example.net";

# reject after redirect :copy.
require ["reject", "copy"];
redirect :copy "archive@example.net";
reject "Refused";

# A runtime error in an included script names that script (RFC 6609 section 3).
require ["include"];
include :once "conflict";

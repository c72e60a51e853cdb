# An invalid literal pattern is a compile error.
require ["regex", "fileinto"];
if header :regex "subject" "([unclosed" { fileinto "x"; }

# i;ascii-casemap (the default) matches case-insensitively (REG_ICASE).
require ["regex", "fileinto"];
if header :regex "subject" "build FAILED" { fileinto "casemap"; }
if header :regex :comparator "i;octet" "subject" "build FAILED" { fileinto "octet-wrong"; }
if header :regex :comparator "i;octet" "subject" "Build failed" { fileinto "octet"; }

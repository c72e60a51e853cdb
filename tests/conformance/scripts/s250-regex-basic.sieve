# draft-murchison-sieve-regex §3: POSIX extended expressions on header values.
require ["regex", "fileinto"];
if header :regex "subject" "^\\[PROJ-[0-9]+\\]" { fileinto "proj"; }
if header :regex "subject" "^build" { fileinto "wrong-anchor"; }

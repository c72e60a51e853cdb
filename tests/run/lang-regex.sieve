# draft-murchison-sieve-regex: captures, casemap, and a pattern built from
# variables that does not compile (a runtime warning; the run goes on).
require ["regex", "variables", "fileinto", "imap4flags"];
if header :regex "subject" "\\[([A-Z]+)-([0-9]+)\\] .*: ([0-9]+) errors" {
  fileinto "Projects/${1}/${2}";
  addflag "errors-${3}";
}
set "bad" "[z-a]";
if header :regex "x-tag" "${bad}" { discard; }
if address :regex :domain "from" "^LISTS\\.example" { fileinto "Lists"; }

# ${0} is the whole match, ${1}.. the groups.
require ["regex", "variables", "fileinto"];
if header :regex "subject" "\\[([A-Z]+)-([0-9]+)\\] (.*): ([0-9]+) errors" {
  fileinto "c0-${0}";
  fileinto "c1-${1}.c2-${2}";
  fileinto "c3-${3}.c4-${4}";
}

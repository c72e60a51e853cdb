require ["regex", "variables", "fileinto"];
if header :regex "subject" "([[:digit:]]+) warnings$" { fileinto "warn-${1}"; }
if header :regex "x-spam-score" "\\(([*]+)\\)" { fileinto "stars-${1}"; }

require ["regex", "fileinto", "variables"];
if address :regex :domain "from" "^(lists|news)\\.example\\.(com|org)$" { fileinto "dom-${1}-${2}"; }
if address :regex :localpart "to" "^team-(alpha|beta)$" { fileinto "team-${1}"; }

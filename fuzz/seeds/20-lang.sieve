require ["regex", "date", "index", "environment", "ihave", "variables", "relational", "fileinto"];
if header :regex "subject" "^\\[([A-Z]+)-([0-9]{1,5})\\]" { fileinto "P/${1}/${2}"; }
if date :index 2 :last :zone "-0330" :value "ge" "received" "iso8601" "2020-02-29T09:00:00Z" { keep; }
if currentdate :originalzone :matches "std11" "*" { set "now" "${0}"; }
if environment :count "eq" "remote-ip" "1" { fileinto "net"; }
if ihave "vnd.x" { frob :x "y"; } elsif not ihave ["fileinto", "regex"] { error "no ${now}"; }

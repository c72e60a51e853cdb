# RFC 5260 §6.1: the second Received field.
require ["index", "date", "variables", "relational", "fileinto"];
if date :index 2 :originalzone :matches "received" "iso8601" "*" { fileinto "second-${1}"; }
if date :index 1 :last :originalzone :matches "received" "time" "*" { fileinto "last-${1}"; }
if date :value "gt" :index 2 :zone "-0500" "received" "iso8601" "2020-02-29T09:00:00-05:00" { fileinto "after"; }

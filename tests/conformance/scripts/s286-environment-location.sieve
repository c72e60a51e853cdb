require ["environment", "fileinto"];
if environment :is "location" "MS" { fileinto "ms"; }
if environment :contains "domain" "" { fileinto "has-domain"; }
if environment :contains "host" "" { fileinto "has-host"; }
if environment :contains "name" "" { fileinto "has-name"; }
if environment :contains "version" "" { fileinto "has-version"; }

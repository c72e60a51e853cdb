require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :mime "subject" "lunch" { fileinto "top-subject"; }
if header :mime :anychild :contenttype "content-type" "text/plain" { fileinto "plain"; }
if header :mime :type "content-type" "" { fileinto "no-ct"; }

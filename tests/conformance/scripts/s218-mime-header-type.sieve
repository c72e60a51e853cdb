require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :mime :type "content-type" "multipart" { fileinto "top-multipart"; }
if header :mime :subtype "content-type" "mixed" { fileinto "top-mixed"; }
if header :mime :contenttype "content-type" "text/plain" { fileinto "top-plain"; }
if header :mime :type "content-type" "text" { fileinto "top-text"; }

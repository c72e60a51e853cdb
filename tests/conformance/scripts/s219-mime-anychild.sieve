require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :mime :anychild :contenttype "content-type" "application/pdf" { fileinto "has-pdf"; }
if header :mime :anychild :subtype "content-type" "html" { fileinto "has-html"; }
if exists :mime :anychild "content-disposition" { fileinto "has-disposition"; }
if header :mime :anychild "subject" "Forwarded secret" { fileinto "inner-subject"; }

require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { if header :mime :contenttype "content-type" "message/rfc822" { if header :mime :anychild "subject" "*secret*" { fileinto "secret-forward"; } } }

require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { if header :mime :anychild :contenttype "content-type" "application/pdf" { fileinto "Attachments"; } if header :mime :param "name" "content-type" "*" { fileinto "named"; } }

require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { if header :mime :contenttype "content-type" "application/pdf" { extracttext "t"; if string :is "${t}" "" { fileinto "pdf-empty"; } } }

require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { if header :mime :type "content-type" "text" { extracttext :first 6 "t"; fileinto "first-${t}"; } }

require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { if header :mime :contenttype "content-type" "text/plain" { extracttext "t"; if string :contains "${t}" "report" { fileinto "plain-has-report"; } } }

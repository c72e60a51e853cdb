require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :anychild "subject" "x" { fileinto "x"; }

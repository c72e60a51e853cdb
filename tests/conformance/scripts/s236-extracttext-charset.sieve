require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
foreverypart { extracttext :first 8 "t"; if string :is "${t}" "" { } else { fileinto "t-${t}"; } }

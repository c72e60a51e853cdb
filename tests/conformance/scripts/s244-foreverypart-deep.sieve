require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
set "n" "";
foreverypart { foreverypart { foreverypart { set "n" "${n}x"; } } }
fileinto "d-${n}";

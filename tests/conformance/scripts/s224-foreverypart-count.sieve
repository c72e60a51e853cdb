require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
set "n" "";
foreverypart { set "n" "${n}x"; }
fileinto "parts-${n}";

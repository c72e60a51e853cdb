require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
set "n" "";
foreverypart { set "n" "${n}x"; if header :mime :type "content-type" "text" { break; } }
fileinto "until-text-${n}";

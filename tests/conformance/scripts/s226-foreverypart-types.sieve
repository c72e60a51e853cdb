require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
set "t" "";
foreverypart { if header :mime :contenttype "content-type" "*" { set "t" "${t}-"; } if header :mime :matches :type "content-type" "*" { set "t" "${t}${1}"; } }
fileinto "${t}";

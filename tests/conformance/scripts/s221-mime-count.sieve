require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :mime :anychild :count "eq" :comparator "i;ascii-numeric" "content-type" "6" { fileinto "six"; }
if header :mime :anychild :count "ge" :comparator "i;ascii-numeric" "content-type" "1" { fileinto "some"; }
if header :mime :count "eq" :comparator "i;ascii-numeric" "content-type" "1" { fileinto "top-one"; }

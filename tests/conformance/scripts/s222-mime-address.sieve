require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if address :mime :anychild :domain "from" "example.net" { fileinto "inner-from"; }
if address :mime :domain "from" "example.net" { fileinto "top-from"; }
if address :mime :anychild :localpart "cc" "eve" { fileinto "inner-cc"; }

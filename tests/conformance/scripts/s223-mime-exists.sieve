require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if exists :mime "content-type" { fileinto "top-ct"; }
if exists :mime :anychild ["content-type", "content-transfer-encoding"] { fileinto "both"; }
if exists :mime :anychild "x-nothing" { fileinto "nothing"; }

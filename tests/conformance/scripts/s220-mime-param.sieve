require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
if header :mime :anychild :param "filename" "content-disposition" "*.pdf" { fileinto "pdf-file"; }
if header :mime :param "boundary" "content-type" "outer" { fileinto "boundary"; }
if header :mime :anychild :param ["charset", "name"] "content-type" "report.pdf" { fileinto "name"; }
if header :mime :anychild :param "charset" :matches "content-type" "*" { fileinto "charset-${1}"; }

require ["regex", "variables", "fileinto"];
set "pat" "^[0-9]+\\.[0-9]+";
if header :matches "x-spam-score" "*" { set "score" "${1}"; }
if string :regex "${score}" "${pat}" { fileinto "numeric-${0}"; }

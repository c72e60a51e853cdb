# host and domain agree (the runner's machine: same for both tools).
require ["environment", "variables", "fileinto"];
if environment :matches "host" "*" { set "h" "${1}"; }
if environment :matches "domain" "*" { set "d" "${1}"; }
if string :is "${h}" "${d}" { fileinto "same"; }
if string :matches "${h}" "*.${d}" { fileinto "suffix"; }

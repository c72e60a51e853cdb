# RFC 5260 §6: several names count in the order of the list.
require ["index", "variables", "fileinto"];
if header :index 2 :matches ["subject", "x-tag"] "*" { fileinto "n2-${1}"; }
if header :index 1 :last :matches ["x-tag", "subject"] "*" { fileinto "l1-${1}"; }

require ["index", "variables", "fileinto"];
if header :index 2 :matches "x-tag" "*" { fileinto "second-${1}"; }
if header :index 1 :last :matches "x-tag" "*" { fileinto "last-${1}"; }
if header :index 4 :matches "x-tag" "*" { fileinto "fourth-${1}"; }
if header :index 3 :last :is "x-tag" "alpha" { fileinto "third-from-last"; }

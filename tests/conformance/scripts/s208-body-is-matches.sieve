require ["body", "fileinto"];
if body :matches "*noon*" { fileinto "matches-noon"; }
if body :is "Lunch at noon? The usual place." { fileinto "is-exact"; }
if body :matches "Lunch at noon? The usual place.*" { fileinto "trailing"; }
if body :content "text" :matches "*usual*" { fileinto "content-matches"; }

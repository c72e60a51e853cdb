require ["index", "variables", "fileinto"];
if address :index 1 :localpart :matches ["to", "cc"] "*" { fileinto "first-${1}"; }
if address :index 2 :localpart :matches ["to", "cc"] "*" { fileinto "second-${1}"; }
if address :index 1 :last :localpart :matches ["to", "cc"] "*" { fileinto "last-${1}"; }

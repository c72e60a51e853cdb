require ["body", "fileinto"];
if body :contains "Привет" { fileinto "utf8-b64"; }
if body :contains "Здравствуйте" { fileinto "koi8r"; }
if body :contains "Friday" { fileinto "friday"; }
if body :content "application/octet-stream" :contains "binary-bytes" { fileinto "octets"; }
if body :raw :contains "Friday" { fileinto "raw-friday"; }

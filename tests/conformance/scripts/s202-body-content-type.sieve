require ["body", "fileinto"];
if body :content "text/plain" :contains "report" { fileinto "plain"; }
if body :content "text/html" :contains "<i>" { fileinto "html-tags"; }
if body :content "text" :contains "attached" { fileinto "text"; }
if body :content "application/pdf" :contains "confidential" { fileinto "pdf-decoded"; }
if body :content "application" :contains "PDF" { fileinto "application"; }

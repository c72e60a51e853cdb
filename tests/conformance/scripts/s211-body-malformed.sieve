require ["body", "fileinto"];
# A malformed multipart is text (RFC 5173 §5.2)
if body :contains "hidden text" { fileinto "hidden"; }
if body :contains "boundary never appears" { fileinto "no-delimiter"; }
if body :content "multipart" :contains "text" { fileinto "as-multipart"; }
if body :content "text/plain" :contains "more text" { fileinto "inner-plain"; }

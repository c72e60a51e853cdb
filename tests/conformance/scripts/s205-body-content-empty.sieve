require ["body", "fileinto"];
# RFC 5173 §5.2: "" is every type
if body :content "" :contains "confidential" { fileinto "any-pdf"; }
if body :content "" :contains "quarterly" { fileinto "any-text"; }
if body :content ["image", "audio"] :contains "a" { fileinto "none"; }

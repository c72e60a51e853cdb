require ["body", "fileinto"];
# RFC 5173 §5.3: the default transform is :text
if body :contains "report" { fileinto "report"; }
if body :contains "secret" { fileinto "secret"; }
if body :text :contains "noon" { fileinto "noon"; }

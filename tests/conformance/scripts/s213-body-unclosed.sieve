require ["body", "fileinto"];
if body :content "text/plain" :contains "first part" { fileinto "first"; }
if body :content "text/x-log" :contains "log line" { fileinto "second"; }
if body :content "text/plain" :contains "log line" { fileinto "wrong"; }

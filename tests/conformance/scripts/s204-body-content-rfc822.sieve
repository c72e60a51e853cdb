require ["body", "fileinto"];
# RFC 5173 §5.2: message/rfc822 searches the enclosed header section
if body :content "message/rfc822" :contains "Forwarded secret" { fileinto "inner-subject"; }
if body :content "message/rfc822" :contains "inner secret message" { fileinto "inner-body"; }
if body :content "message" :contains "dave@example.net" { fileinto "inner-from"; }

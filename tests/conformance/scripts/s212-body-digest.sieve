require ["body", "fileinto"];
# RFC 2046 §5.1.5: digest parts default to message/rfc822
if body :content "message/rfc822" :contains "digest one" { fileinto "digest-one"; }
if body :contains "First digest body" { fileinto "first-body"; }
if body :contains "straße" { fileinto "second-decoded"; }
if body :content "text/plain" :contains "Second" { fileinto "second-plain"; }

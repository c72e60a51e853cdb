require ["body", "fileinto"];
# RFC 5173 §5.2: a multipart type searches its preamble and epilogue
if body :content "multipart" :contains "preamble" { fileinto "preamble"; }
if body :content "multipart" :contains "epilogue" { fileinto "epilogue"; }
if body :content "multipart" :contains "Hello" { fileinto "child-text"; }
if body :content "multipart/alternative" :contains "preamble" { fileinto "alt-preamble"; }

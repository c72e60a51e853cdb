require ["body", "fileinto"];
# RFC 5173 §5.1: :raw sees the undecoded body, boundaries included
if body :raw :contains "--outer" { fileinto "boundary"; }
if body :raw :contains "=C3=A9" { fileinto "qp-undecoded"; }
if body :raw :contains "Content-Type" { fileinto "part-headers"; }
if body :raw :contains "preamble" { fileinto "preamble"; }

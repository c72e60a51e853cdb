require ["body", "fileinto"];
if body :contains "Grüße" { fileinto "latin1-decoded"; }
if body :contains "München" { fileinto "muenchen"; }
if body :raw :contains "=FC" { fileinto "raw-qp"; }
if body :contains "Gr=FC" { fileinto "text-still-encoded"; }

# RFC 5463 §4: variables cannot be enabled through ihave.
require ["ihave", "fileinto"];
if ihave "variables" { fileinto "v"; } else { fileinto "no-v"; }
if ihave "encoded-character" { fileinto "ec"; } else { fileinto "no-ec"; }

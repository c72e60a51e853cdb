# RFC 5183 §4: an unknown item fails every test, never an error.
require ["environment", "fileinto"];
if environment :contains "vnd.example.nothing" "" { fileinto "unknown"; }
if environment :matches "remote-ip" "*" { fileinto "rip"; }
if not environment :is "no-such-item" "x" { fileinto "not-unknown"; }

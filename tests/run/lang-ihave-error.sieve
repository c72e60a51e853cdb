# RFC 5463: ihave guards an unknown extension; error ends the run.
require ["ihave", "variables"];
if ihave "vnd.example.teleport" { teleport "mars"; }
if ihave "fileinto" { fileinto "Guarded"; }
if header :matches "subject" "*" { set "s" "${1}"; }
error "giving up on \"${s}\"";
fileinto "never";

# RFC 5463 §4: the block guarded by ihave of an unknown extension is not checked.
require ["ihave", "fileinto"];
if ihave "vnd.example.teleport" { teleport "mars"; } else { fileinto "no-teleport"; }

# RFC 5260 §6: fields count from 1; Pigeonhole rejects :index 0 when compiling.
require ["index", "fileinto"];
if header :index 0 :is "subject" "x" { fileinto "z"; }

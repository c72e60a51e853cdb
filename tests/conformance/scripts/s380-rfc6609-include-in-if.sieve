require ["include", "fileinto"];
if header :contains "from" "alice" { include "inc-work"; }
else { fileinto "other"; }

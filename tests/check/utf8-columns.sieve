# café ☕
if header :is "subject" "café" { fileinto "x"; }

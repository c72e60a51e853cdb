require "fileinto";
if header :contains "subject" "Release candidate 2 — please" { fileinto "RC"; }

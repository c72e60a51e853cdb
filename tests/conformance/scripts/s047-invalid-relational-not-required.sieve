# :count without require "relational".
require "fileinto";
if header :count "gt" "Received" "1" { fileinto "x"; }

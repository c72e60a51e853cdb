require "fileinto";
if header :index 1 :is "x-tag" "alpha" { fileinto "x"; }

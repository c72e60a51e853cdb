require "fileinto";
if date "date" "year" "2020" { fileinto "x"; }

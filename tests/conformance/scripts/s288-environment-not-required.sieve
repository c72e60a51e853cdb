require "fileinto";
if environment :is "location" "MS" { fileinto "x"; }

require "fileinto";
if header :mime :type "content-type" "text" { fileinto "x"; }

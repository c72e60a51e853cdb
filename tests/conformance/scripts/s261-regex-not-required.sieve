require "fileinto";
if header :regex "subject" "." { fileinto "x"; }

require ["regex", "fileinto"];
if header :regex "x-spam-score" "^[0-9]{1,2}\\.[0-9]{1}" { fileinto "bounded"; }
if header :regex "x-spam-score" "\\*{7}" { fileinto "seven"; }
if header :regex "x-spam-score" "\\*{8}" { fileinto "eight"; }

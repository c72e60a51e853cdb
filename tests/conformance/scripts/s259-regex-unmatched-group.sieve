# An optional group that took no part in the match is empty.
require ["regex", "variables", "fileinto"];
if header :regex "subject" "^(x)?\\[(PROJ)" { fileinto "g1[${1}]g2[${2}]"; }

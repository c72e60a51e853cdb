# An invalid pattern built from variables: a runtime warning, the key matches nothing.
require ["regex", "variables", "fileinto"];
set "open" "(";
if header :regex "subject" "${open}abc" { fileinto "never"; }
if header :regex "subject" ["${open}x", "Build"] { fileinto "second-key"; }

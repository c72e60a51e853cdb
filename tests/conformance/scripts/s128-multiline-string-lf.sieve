# RFC 5228 section 2.4.2: a multi-line string's lines end in CRLF and the
# CRLF before the final "." belongs to the value. This file has LF line ends.
require ["variables", "fileinto"];
set :length "n" text:
ab
cd
.
;
fileinto "length=${n}";

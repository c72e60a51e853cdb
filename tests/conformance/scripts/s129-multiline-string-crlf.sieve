# The same as s128, but this file has CRLF line ends.
require ["variables", "fileinto"];
set :length "n" text:
ab
cd
.
;
fileinto "length=${n}";

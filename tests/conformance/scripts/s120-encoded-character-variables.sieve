# RFC 5229 section 3 with encoded-character: the encoding is decoded first.
require ["encoded-character", "variables", "fileinto"];
set "name" "Ethelbert";
set "v" "${hex:24 7b}name}";
fileinto "a=${v}";
fileinto "b=${unicode:24}{name}";
set "x" "${unicode:1F600}";
set :length "len" "${x}";
fileinto "c=${len}";

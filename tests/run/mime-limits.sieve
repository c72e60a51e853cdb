require ["body", "fileinto", "mime", "foreverypart", "variables"];
# mime_max_depth = 3: the multipart three levels down is not split (its whole
# body is its content), so the deepest text is no part of its own: 4 parts.
set "n" "";
foreverypart { set "n" "${n}x"; }
fileinto "parts-${n}";
if body :content "text/plain" :contains "deepest text" { fileinto "found-as-part"; }
if body :content "multipart" :contains "deepest text" { fileinto "found-in-multipart"; }

# RFC 5293 section 5: by default every occurrence is deleted.
require ["editheader", "fileinto"];
deleteheader "x-hello";
if exists "X-Hello" { fileinto "exists"; } else { fileinto "gone"; }

# RFC 5490 section 4: no server annotation exists.
require ["servermetadata", "fileinto"];
if servermetadataexists "/shared/admin" { fileinto "exists"; }
if servermetadata :matches "/shared/comment" "*" { fileinto "any"; }
fileinto "done";

# RFC 5293 section 6: Subject may always be deleted and added.
require ["editheader", "fileinto", "variables"];
if header :matches "Subject" "*" { set "s" "${1}"; }
deleteheader "Subject";
addheader "Subject" "[tagged] ${s}";
if header :is "Subject" "[tagged] Grüße from the team" { fileinto "tagged"; }
if header :is "Subject" "[tagged] crlf" { fileinto "tagged-crlf"; }

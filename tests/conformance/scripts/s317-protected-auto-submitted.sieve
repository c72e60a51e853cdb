# RFC 5293 section 6: Auto-Submitted cannot be deleted (silently ignored).
require ["editheader", "fileinto"];
deleteheader "Auto-Submitted";
if header :is "Auto-Submitted" "no" { fileinto "kept"; }

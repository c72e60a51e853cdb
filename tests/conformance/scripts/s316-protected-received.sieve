# RFC 5293 section 6: Received cannot be deleted (silently ignored).
require ["editheader", "fileinto"];
deleteheader "Received";
if exists "Received" { fileinto "received-kept"; }

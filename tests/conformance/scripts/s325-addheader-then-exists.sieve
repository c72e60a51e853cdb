# RFC 5293 section 7: exists sees added fields, and no longer sees deleted ones.
require ["editheader", "fileinto"];
addheader "X-New" "1";
deleteheader "X-Spam-Score";
if allof (exists "X-New", not exists "X-Spam-Score") { fileinto "both"; }

# RFC 5293 section 7: the address test no longer sees a deleted field.
require ["editheader", "fileinto"];
deleteheader "From";
if address :all :contains "from" "@" { fileinto "still-from"; } else { fileinto "no-from"; }

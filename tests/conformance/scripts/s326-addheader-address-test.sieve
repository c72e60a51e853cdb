# RFC 5293 section 7: the address test sees an added field.
require ["editheader", "fileinto"];
addheader "Reply-To" "Team <team@example.net>";
if address :domain :is "reply-to" "example.net" { fileinto "team"; }

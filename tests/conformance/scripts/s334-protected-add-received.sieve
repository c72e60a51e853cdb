# RFC 5293 section 6: sievegate refuses adding Received and Auto-Submitted too (local policy).
require ["editheader", "fileinto"];
addheader "Received" "from forged.example by nowhere";
addheader "Auto-Submitted" "auto-generated";
if header :contains "Received" "forged.example" { fileinto "received-added"; }
if header :is "Auto-Submitted" "auto-generated" { fileinto "auto-submitted-added"; }

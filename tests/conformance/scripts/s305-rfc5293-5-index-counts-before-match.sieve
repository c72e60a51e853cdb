# RFC 5293 section 5: counting happens before the value match.
require ["editheader", "fileinto"];
deleteheader :index 1 :contains "Delivered-To" "bob@example.net";
if header :contains "Delivered-To" "bob@example.org" { fileinto "org-left"; }
if header :contains "Delivered-To" "bob@example.net" { fileinto "net-left"; }

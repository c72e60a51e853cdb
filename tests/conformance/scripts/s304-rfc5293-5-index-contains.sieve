# RFC 5293 section 5 example: the first Delivered-To, only if it contains the address.
require ["editheader", "fileinto"];
deleteheader :index 1 :contains "Delivered-To" "bob@example.org";
if header :contains "Delivered-To" "bob@example.org" { fileinto "org-left"; }
if header :contains "Delivered-To" "bob@example.net" { fileinto "net-left"; }

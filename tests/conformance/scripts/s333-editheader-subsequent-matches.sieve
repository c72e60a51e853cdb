# Variables from :matches on an added field.
require ["editheader", "fileinto", "variables"];
addheader "X-Tag" "project-alpha";
if header :matches "X-Tag" "project-*" { fileinto "${1}"; }

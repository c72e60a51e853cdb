# The value may come from variables; the header test sees it.
require ["editheader", "variables", "fileinto"];
if header :matches "From" "*<*>*" { set "addr" "${2}"; }
addheader "X-Original-From" "${addr}";
if header :is "X-Original-From" "alice@example.com" { fileinto "alice"; }
if header :is "X-Original-From" "" { fileinto "empty"; }

# editheader (RFC 5293): later tests see the edits (section 7); protected fields stay.
require ["editheader", "fileinto", "variables"];
addheader "X-Checked" "yes";
deleteheader :index 1 "X-Hello";
deleteheader "Received";
if header :matches "X-Hello" "*" { set "h" "${1}"; }
if allof (exists "X-Checked", exists "Received", not header :is "X-Hello" "first") {
  fileinto "edited-${h}";
}

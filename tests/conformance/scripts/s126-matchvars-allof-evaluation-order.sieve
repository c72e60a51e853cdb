# RFC 5229 section 3.2: match variables come from the most recently
# evaluated successful :matches; allof/anyof evaluate left to right and
# stop early (the section's own anyof example). Here the first test of
# each allof is evaluated and succeeds, and the allof fails.
require ["fileinto", "variables"];
if header :matches "subject" "Lunch*" { fileinto "a=[${1}]"; }
if allof (header :matches "subject" "L*", header :is "subject" "nope") { fileinto "never"; }
fileinto "b=[${1}]";
if allof (header :matches "subject" "Lu*", false) { fileinto "never2"; }
fileinto "c=[${1}]";
if anyof (false, header :matches "subject" "Lun*") { fileinto "d=[${1}]"; }
if anyof (true, header :matches "subject" "*") { fileinto "e=[${1}]"; }
if not header :matches "subject" "Lunc*" { fileinto "never3"; }
fileinto "f=[${1}]";

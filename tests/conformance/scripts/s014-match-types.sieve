# RFC 5228 section 2.7.1: :is, :contains, :matches with ? * and escapes.
require "fileinto";
if header :is "Subject" "Lunch on Friday?" { fileinto "is-exact"; }
if header :is "Subject" "lunch on friday?" { fileinto "is-casemap"; }
if header :is "Subject" "Lunch" { fileinto "is-prefix"; }
if header :contains "Subject" "on Fri" { fileinto "contains"; }
if header :contains "Subject" "ON FRI" { fileinto "contains-casemap"; }
if header :matches "Subject" "Lunch*" { fileinto "matches-star"; }
if header :matches "Subject" "*Friday\\?" { fileinto "matches-escaped-q"; }
if header :matches "Subject" "*Friday?" { fileinto "matches-q"; }
if header :matches "Subject" "L?nch on*" { fileinto "matches-q-mid"; }
if header :matches "Subject" "*" { fileinto "matches-all"; }
if header :matches "Subject" "Lunch" { fileinto "matches-no-wild"; }
if header :matches "Subject" "*\\**" { fileinto "matches-literal-star"; }
if header :matches "Subject" "???????????????" { fileinto "matches-15q"; }
if header :matches "Subject" "****Friday**" { fileinto "matches-multi-star"; }
if header :is ["Subject", "X-None"] ["nope", "Lunch on Friday?"] { fileinto "is-lists"; }

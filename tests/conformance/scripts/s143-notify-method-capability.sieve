require ["enotify", "fileinto", "relational", "comparator-i;ascii-numeric"];
if notify_method_capability "mailto:a@example.com" "online" "maybe" { fileinto "a-yes"; }
if notify_method_capability "mailto:a@example.com" "Online" "MAYBE" { fileinto "b-yes"; }
if notify_method_capability "xmpp:a@example.com" "online" "maybe" { fileinto "c-yes"; }
if notify_method_capability "mailto:a@example.com" "other" "maybe" { fileinto "d-yes"; }
if notify_method_capability :matches "mailto:a@example.com" "online" "m*" { fileinto "e-yes"; }
if notify_method_capability :count "eq" :comparator "i;ascii-numeric" "mailto:a@example.com" "online" "1" { fileinto "f-yes"; }
if notify_method_capability "mailto:bad" "online" "maybe" { fileinto "g-yes"; }

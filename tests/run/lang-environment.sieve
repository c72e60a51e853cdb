# RFC 5183: items from the configuration (lang-environment.conf) and defaults.
require ["environment", "variables", "relational", "fileinto"];
if environment :matches "host" "*" { set "host" "${1}"; }
if environment :matches "domain" "*" { set "domain" "${1}"; }
if environment :matches "location" "*" { set "location" "${1}"; }
if environment :matches "phase" "*" { set "phase" "${1}"; }
if environment :matches "name" "*" { set "name" "${1}"; }
if environment :matches "remote-ip" "*" { set "ip" "${1}"; }
fileinto "${name}/${host}/${domain}/${location}/${phase}/${ip}";
if environment :matches "remote-host" "*" { fileinto "never: remote-host is not configured"; }
if environment :count "eq" "remote-ip" "1" { fileinto "count-1"; }
if environment :contains "vnd.example.unknown" "" { fileinto "never: unknown item"; }

require ["regex", "variables", "fileinto"];
if header :regex "list-id" "<([a-z]+)\\.([a-z]+)\\.example\\.com>" { fileinto "list-${2}-${1}"; }
if header :regex "x-tag" "^(gam|bet)a$" { fileinto "tag-${1}"; }

require ["regex", "envelope", "fileinto", "variables"];
if envelope :regex "to" "^([^+@]+)\\+([^@]+)@" { fileinto "detail-${2}-for-${1}"; }
if envelope :regex :all "from" "@example\\.com$" { fileinto "from-com"; }

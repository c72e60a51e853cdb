# RFC 5228 section 2.7.4: :all, :localpart, :domain, shown through match variables.
require ["fileinto", "variables"];
if address :all :matches "from" "*" { fileinto "from-all=${1}"; }
if address :localpart :matches "from" "*" { fileinto "from-local=${1}"; }
if address :domain :matches "from" "*" { fileinto "from-domain=${1}"; }
if address :matches "to" "*" { fileinto "to-default=${1}"; }
if address :domain :matches "to" "*" { fileinto "to-domain=${1}"; }
if address :all :matches "sender" "*" { fileinto "sender=${1}"; }

# RFC 5233: :detail needs require "subaddress".
require "fileinto";
if address :detail "to" "foo" { fileinto "x"; }

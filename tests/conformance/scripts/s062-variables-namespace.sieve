# RFC 5229 section 3: a reference to an unsupported namespace.
require ["variables", "fileinto"];
set "company" "ACME";
fileinto "x-${company.name}";

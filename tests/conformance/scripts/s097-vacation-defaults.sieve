# RFC 5230 section 4.1: default :days is 7 (sites may change it).
require ["vacation"];
vacation "Gone fishing.";

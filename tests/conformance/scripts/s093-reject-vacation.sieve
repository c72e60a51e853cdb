# RFC 5230 section 4.7: vacation is incompatible with reject.
require ["reject", "vacation"];
vacation "I am away";
reject "Refused";

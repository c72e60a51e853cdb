# RFC 5230 section 4.7: two vacation actions are an error.
require ["vacation"];
vacation "first";
vacation "second";

# RFC 5230 section 4.1: :days 0 is below the minimum of 1.
require ["vacation"];
vacation :days 0 "Always reply.";

# RFC 5230 vacation with every tag sievegate records.
require ["vacation"];
vacation :days 7 :subject "Out of office" :from "bob@example.org"
         :addresses ["bob@example.org", "bob+projects@example.org"]
         "I am away until Monday.";

# RFC 5231 section 6: the five example tests (true, false, false, true, false).
require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if address :count "ge" :comparator "i;ascii-numeric"
                ["to", "cc"] ["3"] { fileinto "t1-true"; }
if anyof ( address :count "ge" :comparator "i;ascii-numeric"
                ["to"] ["3"],
        address :count "ge" :comparator "i;ascii-numeric"
                ["cc"] ["3"] ) { fileinto "t2-false"; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["received"] ["3"] { fileinto "t3-false"; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["received", "subject"] ["3"] { fileinto "t4-true"; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["to", "cc"] ["3"] { fileinto "t5-false"; }

# RFC 5232 section 4 examples.
require ["imap4flags", "variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
setflag "A B";
if hasflag :is "b A" { fileinto "h1"; }
if hasflag ["b","A"] { fileinto "h2"; }
set "MyVar" "NonJunk Junk gnus-forward $Forwarded NotJunk JunkRecorded $Junk $NotJunk";
if hasflag :contains "MyVar" "Junk" { fileinto "h3"; }
if hasflag :contains "MyVar" "forward" { fileinto "h4"; }
if hasflag :contains "MyVar" ["label", "forward"] { fileinto "h5"; }
if hasflag :contains "MyVar" ["junk", "forward"] { fileinto "h6"; }
if hasflag :contains "MyVar" "junk forward" { fileinto "h7"; }
if hasflag :is "MyVar" "Junk" { fileinto "h8"; }
if hasflag :is "MyVar" "label" { fileinto "h9-false"; }
set "MyFlags" "A B";
if hasflag :count "ge" :comparator "i;ascii-numeric" "MyFlags" "2" { fileinto "h10"; }
if hasflag :count "eq" :comparator "i;ascii-numeric" "Empty" "0" { fileinto "h11"; }
if hasflag :matches "MyVar" "gnus-*" { fileinto "h12"; }

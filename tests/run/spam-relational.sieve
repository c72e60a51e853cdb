require ["fileinto", "relational", "comparator-i;ascii-numeric", "imap4flags"];
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "5" { fileinto "Junk"; }
if address :count "eq" :comparator "i;ascii-numeric" "To" "0" { addflag "\\Flagged"; }

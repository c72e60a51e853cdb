require ["ihave", "fileinto"];
if ihave "vnd.example.x" { x; } elsif ihave "regex" { if header :regex "subject" "^Dates" { fileinto "regex-ok"; } } else { discard; }
if ihave "comparator-i;ascii-numeric" { if header :value "gt" :comparator "i;ascii-numeric" "x-none" "1" { discard; } }

# Comparisons on decoded header values (RFC 5228 2.7.2) and on address
# display names, which the address test never sees (RFC 5228 5.1).
require "fileinto";
if header :is "Subject" "Grüße aus München" { fileinto "b-subject"; }
if header :contains "Subject" "München" { fileinto "b-contains"; }
if header :is "Subject" "Café crème €5" { fileinto "q-subject"; }
if header :contains "Subject" "=?" { fileinto "raw-seen"; }
if header :contains "From" "Jürgen" { fileinto "from-display"; }
if header :contains "From" "Café du Coin" { fileinto "from-display-q"; }
if address :is "from" "juergen@example.de" { fileinto "from-addr"; }
if header :contains "Cc" "日本語" { fileinto "cc-cjk"; }
if header :is "X-Mixed" "Re: café time" { fileinto "mixed"; }
if header :contains :comparator "i;ascii-casemap" "Subject" "GRÜSSE" { fileinto "casemap-nonascii"; }
if header :contains :comparator "i;ascii-casemap" "Subject" "grüße" { fileinto "casemap-ascii-part"; }

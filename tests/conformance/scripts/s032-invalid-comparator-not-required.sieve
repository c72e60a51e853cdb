# RFC 5228 section 2.7.3: i;ascii-numeric must be required.
if header :is :comparator "i;ascii-numeric" "X-Count" "10" { discard; }

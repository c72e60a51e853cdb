# RFC 4790 9.1 / RFC 5228 2.7.3: i;ascii-numeric supports no substring match.
require "comparator-i;ascii-numeric";
if header :contains :comparator "i;ascii-numeric" "X-Count" "1" { discard; }

require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto", "variables"];
if virustest :matches "*" { fileinto "virus-${1}"; }
if virustest :value "ge" :comparator "i;ascii-numeric" "4" { discard; }

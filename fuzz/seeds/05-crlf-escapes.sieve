if header :is "x" "a\"b\\c" {
  keep;
}
require "comparator-i;ascii-numeric";
if header :comparator "i;ascii-numeric" :is "x-n" "42" { stop; }

if header :comparator "i;klingon" "subject" "x" { keep; }
if header :comparator "i;ascii-numeric" "x-n" "1" { keep; }

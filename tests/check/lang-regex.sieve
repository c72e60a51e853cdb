require ["regex", "comparator-i;ascii-numeric", "variables"];
if header :regex "subject" "([unclosed" { keep; }
if header :regex "subject" "(a)\\1" { keep; }
if header :regex "subject" "a{1000}" { keep; }
if header :regex :comparator "i;ascii-numeric" "subject" "1" { keep; }
if header :regex "subject" ["ok", "${built}("] { keep; }

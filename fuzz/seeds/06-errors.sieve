require ["nonexistent", "fileinto"];
if foo :bar 12Q "x" { fileinto; }
elsif header "a" { ; }
else { keep }
redirect "not an address";
if ((( {

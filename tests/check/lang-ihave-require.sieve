if ihave "fileinto" { keep; }
error "x";

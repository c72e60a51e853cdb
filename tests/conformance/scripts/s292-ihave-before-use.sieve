# ... but not before the ihave.
require "ihave";
fileinto "before";
if ihave "fileinto" { keep; }

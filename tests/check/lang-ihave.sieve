require ["ihave", "variables"];
fileinto "before";
if ihave "vnd.example.x" { teleport; } else { teleport; }
if ihave "${ext}" { keep; }
error ["a", "b"];
if ihave "fileinto" { keep; }
fileinto "after";

require ["include", "variables", "spamtest"];
include "include-broken";
include "no-such-script";
include :optional "no-such-script";
include "include-loop";
include "../etc/passwd";
include :global "anything";
global ["ok", "1bad"];
if spamtest :percent "50" { discard; }

# RFC 5463 §4 item 4: one unavailable capability fails the whole test.
require "ihave";
if ihave ["fileinto", "vnd.example.unknown"] { fileinto "a"; } else { discard; }

# RFC 5228 section 5.4: envelope parts other than from/to are not supported.
require "envelope";
if envelope :is "x-unknown" "x" { discard; }

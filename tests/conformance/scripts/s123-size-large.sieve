# Size boundaries on a large message (RFC 5228 5.9).
require ["fileinto", "imap4flags"];
if size :over 200K { fileinto :flags "Big" "Large"; }
if size :under 250K { fileinto "under-250K"; }
if size :over 245000 { fileinto "over-245000"; }
if size :under 246000 { fileinto "under-246000"; }
if size :over 1M { discard; }

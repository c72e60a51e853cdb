# RFC 7352 §3.1: ":header" and ":uniqueid" together MUST be an error.
require "duplicate";
if duplicate :header "subject" :uniqueid "x" { discard; }

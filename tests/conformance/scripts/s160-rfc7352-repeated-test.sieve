# RFC 7352 §3: every test of one run with the same arguments yields the same
# result; the id is tracked once.
require "duplicate";
if duplicate :handle "list" { discard; }
if duplicate :handle "list" { discard; }

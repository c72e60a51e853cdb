# RFC 7352 §3.1: a missing field makes the test false and tracks nothing.
require "duplicate";
if duplicate :header "x-no-such-field" { discard; }
if not duplicate :header "x-no-such-field" :handle "h" { keep; }

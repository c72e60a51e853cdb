# RFC 7352 §3: without a tracking list nothing is a duplicate; the id is tracked.
require "duplicate";
if duplicate {
  discard;
  stop;
}

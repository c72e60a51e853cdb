require "vacation";
# The null sender is never answered (RFC 5230 §4.6).
vacation :days 3 "I am away.";

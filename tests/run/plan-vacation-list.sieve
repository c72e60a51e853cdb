require "vacation";
# A mailing-list message gets no reply (RFC 5230 §4.6).
vacation :days 3 "I am away.";

require "vacation";
# The user is in none of To, Cc, Bcc: no reply (RFC 5230 §4.5).
vacation :days 3 "I am away.";

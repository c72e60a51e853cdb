require "vacation";
# The sender's remote domain has auto_reply = no: no reply (policy, remote domains).
vacation :days 3 "I am away.";

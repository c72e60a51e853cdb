require "reject";
# RFC 5429 §2.2.1: no MDN to the null sender; the message is kept (not lost).
reject "No.";

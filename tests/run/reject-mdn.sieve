require "reject";
# RFC 5429 §2.2.1: deliver (without -e) sends this MDN; --show-messages prints it.
reject text:
I am not taking mail from you, and I don't
want your birdseed, either!
.
;

require "vacation";
/* bracket
   comment */
vacation :days 7 :subject "Away" :addresses ["me@example.org", "me2@example.org"] text:
I am away.
..dot-stuffed line
.
;

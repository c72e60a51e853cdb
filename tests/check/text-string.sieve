require "vacation";
vacation :days 3 :subject "Away" text: # reason follows
I am away.
..dot-stuffed line
.
;

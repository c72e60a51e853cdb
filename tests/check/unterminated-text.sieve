require "vacation";
vacation "Away" text:
no terminator

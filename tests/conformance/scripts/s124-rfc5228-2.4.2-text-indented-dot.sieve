# RFC 5228 section 2.4.2: a multi-line string ends only at a line that is
# exactly "."; an indented "." does not end it, so this script is invalid.
require ["reject"];
reject text:
  Go away.
  .
;

# addheader needs require "editheader".
addheader "X-A" "1";

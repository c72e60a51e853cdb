require "environment";
if environment ["host", "domain"] "x" { keep; }
if environment :count "eq" "host" "1" { keep; }
if environment "host" { keep; }

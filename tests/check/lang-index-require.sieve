require "date";
if header :index 1 "subject" "x" { keep; }
if date :index 2 :last "received" "year" "2026" { keep; }

require ["date", "index"];
if date :zone "+0100" :originalzone "date" "hour" "12" { keep; }
if header :last "subject" "x" { keep; }
if date :zone "0100" "date" "hour" "12" { keep; }
if date "date" "fortnight" "1" { keep; }
if currentdate :originalzone "year" "2026" { keep; }
if date "date" "year" { keep; }
if address :index "1" "from" "a@b.c" { keep; }
if header :index 0 "subject" "x" { keep; }

if header :is :contains "subject" "x" { keep; }
if address :all :domain "from" "x" { keep; }

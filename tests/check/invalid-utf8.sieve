if header :contains "subject" "Ã©té" { keep; }

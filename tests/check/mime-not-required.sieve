# body, foreverypart, extracttext and :mime each need their require
if body :contains "x" { keep; }
foreverypart { extracttext "t"; }
if header :mime "subject" "x" { keep; }

# RFC 5228 section 8.2: header needs two arguments.
if header :is "subject" { keep; }

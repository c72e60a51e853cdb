# RFC 5228 section 3.1, second example: A -> acm, B -> postmaster, others -> field.
if header :contains ["From"] ["coyote"] {
   redirect "acm@example.com";
} elsif header :contains "Subject" "$$$" {
   redirect "postmaster@example.com";
} else {
   redirect "field@example.com";
}

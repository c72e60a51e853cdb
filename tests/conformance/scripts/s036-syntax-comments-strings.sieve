/* RFC 5228 section 2.3 and 2.4.2: bracketed comments,
   hash comments, escapes in quoted strings, multi-line strings. */
require ["fileinto"]; # a comment
require "fileinto";   /* requiring twice is allowed */
if header :contains "subject" "\"quoted\"" { fileinto "quoted"; }
if header :contains "subject" "friday\?" { fileinto "escaped-q"; }
fileinto "back\\slash";
fileinto "q\u\o\te";
if not header :is "subject" text:
Lunch on Friday?
.
{ fileinto "text-has-crlf"; }
if header :contains "subject" text: # comment after text:
..on
.
{ fileinto "text-dot-stuffed"; }

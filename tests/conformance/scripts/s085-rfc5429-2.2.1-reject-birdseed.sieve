# RFC 5429 section 2.2.1 example (the document indents it; the multi-line
# string's lines, including the final ".", start in column 1 here).
require ["reject"];

if header :contains "from" "coyote@desert.example.org" {
    reject text:
I am not taking mail from you, and I don't
want your birdseed, either!
.
    ;
}

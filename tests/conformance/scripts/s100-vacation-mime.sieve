# RFC 5230 section 4.3 :mime.
require ["vacation"];
vacation :mime :subject "Away" text:
Content-Type: text/plain; charset=utf-8

Je suis absent.
.
;

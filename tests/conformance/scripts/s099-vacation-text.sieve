# RFC 5230 section 4.1/4.2 multi-line reason, :handle and a variable subject.
require ["vacation", "variables"];
if header :matches "subject" "*" { set "subj" "${1}"; }
vacation :days 3 :handle "away-2025" :subject "Re: ${subj}" text:
Hello,

I am on holiday until Monday.
.
;

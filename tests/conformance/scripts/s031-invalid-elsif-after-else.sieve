# RFC 5228 section 3.1: elsif must follow if or elsif.
if true { keep; } else { discard; } elsif false { keep; }

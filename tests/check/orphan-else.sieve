elsif true { keep; }
if true { keep; } else { discard; } else { stop; }

# RFC 5228 section 4.3, both examples.
if size :under 1M { keep; } else { discard; }
if not size :under 100K { discard; }

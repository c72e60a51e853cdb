# RFC 5228 §3.2: "duplicate" without require is an error.
if duplicate { discard; }

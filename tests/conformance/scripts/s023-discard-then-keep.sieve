# RFC 5228 section 4.4/4.3: discard followed by keep.
discard;
keep;

# RFC 5228 section 8.2: a test list has at least one test.
if anyof () { discard; }

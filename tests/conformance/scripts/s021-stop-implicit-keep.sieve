# stop with nothing done: implicit keep remains.
if true { stop; }
discard;

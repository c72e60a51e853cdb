if anyof (not exists "list-id", allof (true, size :over 100K), false) {
    discard;
}
if envelope :localpart :is "to" "postmaster" {
    redirect :copy "admin@example.org";
}
if header :comparator "i;ascii-casemap" :matches "x-priority" "1*" { keep; }

# Junk and oversized mail: the spam filter's verdict header, and the RFC 5228
# size test.
require ["fileinto"];

if header :is "X-Spam-Flag" "YES" {
    fileinto "Junk";
    stop;
}
if size :over 20M {
    discard;
    stop;
}

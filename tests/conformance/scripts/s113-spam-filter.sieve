# A realistic spam filter on X-Spam-* headers.
require ["fileinto", "imap4flags", "relational", "comparator-i;ascii-numeric"];
if header :is "X-Spam-Flag" "YES" {
    addflag "Junk";
}
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Level" "5" {
    fileinto "nonnumeric-level";
}
if header :matches "X-Spam-Level" "*****" {
    fileinto :flags "\\Seen" "Junk";
    stop;
}
if header :contains "X-Spam-Status" "MONEY_FAST" {
    discard;
}

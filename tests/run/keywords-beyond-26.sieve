# A Maildir file name holds 26 keywords (letters a..z): the plan names the
# ones the copy cannot hold, never dropped in silence (imap4flags itself leaves
# out "bad(atom", which is no IMAP atom, RFC 5232 section 3).
require ["imap4flags", "fileinto"];
fileinto :flags "k01 k02 k03 k04 k05 k06 k07 k08 k09 k10 k11 k12 k13 k14 k15 k16 k17 k18 k19 k20 k21 k22 k23 k24 k25 k26 k27 k28 bad(atom \\Seen" "Tagged";

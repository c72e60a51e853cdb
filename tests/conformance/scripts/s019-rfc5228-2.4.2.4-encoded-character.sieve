# RFC 5228 section 2.4.2.4 example and encoding table.
require ["encoded-character", "fileinto"];
if header :contains "Subject" "$${hex:24 24}" {
   discard;
}
fileinto "a${hex:40}b";
fileinto "c${hex: 40 }d";
fileinto "e${HEX: 40}f";
fileinto "g${hex:40";
fileinto "h${hex:400}";
fileinto "i${hex:4${hex:30}}";
fileinto "j${unicode:40}";
fileinto "k${ unicode:40}";
fileinto "l${UnICoDE:0000040}";
fileinto "m${unicode:e9 20AC}";
fileinto "n${hex:}";

# RFC 5228 section 3.3: stop ends the script; the implicit keep still applies.
require "fileinto";
if header :contains "subject" "lunch" {
   fileinto "Lunch";
   stop;
}
if true { stop; discard; }
discard;

# RFC 5228 section 2.7.3 example and i;octet / i;ascii-casemap probes.
require "fileinto";
if header :contains :comparator "i;octet" "Subject"
      "MAKE MONEY FAST" {
   discard;
}
if header :contains :comparator "i;octet" "Subject" "make money fast" { fileinto "octet-lower"; }
if header :contains :comparator "i;ascii-casemap" "Subject" "make money fast" { fileinto "casemap-lower"; }
if header :is :comparator "i;octet" "X-Spam-Flag" "yes" { fileinto "octet-is-yes"; }
if header :is :comparator "i;ascii-casemap" "X-Spam-Flag" "yes" { fileinto "casemap-is-yes"; }
if header :matches :comparator "i;octet" "Subject" "*spam*" { fileinto "octet-matches"; }
if header :matches :comparator "i;ascii-casemap" "Subject" "*spam*" { fileinto "casemap-matches"; }
if address :is :domain :comparator "i;octet" "To" "LANDRU.example.com" { fileinto "octet-domain"; }

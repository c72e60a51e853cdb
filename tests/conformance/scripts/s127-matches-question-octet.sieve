# RFC 5228 section 2.7.1: with i;octet and i;ascii-casemap a character is one
# octet, so "?" matches exactly one octet (u-umlaut and sharp s are two octets
# each in UTF-8).
require "fileinto";
if header :matches "Subject" "Gr????e aus M??nchen" { fileinto "octets-casemap"; }
if header :matches :comparator "i;octet" "Subject" "Gr????e aus M??nchen" { fileinto "octets-octet"; }
if header :matches "Subject" "Gr??e aus M?nchen" { fileinto "chars-casemap"; }
if header :matches :comparator "i;octet" "Subject" "Gr??e aus M?nchen" { fileinto "chars-octet"; }
if header :matches "Subject" "Gr*e aus M*nchen" { fileinto "star"; }

# RFC 5228 section 5.9: the size is the octets of the RFC 5322 (CRLF)
# representation; a message of exactly N octets is neither :over nor :under N.
# m10-minimal.eml is 62 octets with LF line ends, 65 with CRLF.
require "fileinto";
if size :over 61 { fileinto "over-61"; }
if size :over 62 { fileinto "over-62"; }
if size :under 63 { fileinto "under-63"; }
if size :over 64 { fileinto "over-64"; }
if size :over 65 { fileinto "over-65"; }
if size :under 65 { fileinto "under-65"; }
if size :under 66 { fileinto "under-66"; }

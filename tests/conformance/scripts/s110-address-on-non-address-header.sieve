# RFC 5228 section 5.1: implementations MUST restrict the address test to
# headers that contain addresses (at least From, To, Cc, Bcc, Sender,
# Resent-From, Resent-To).
require "fileinto";
if address :is "reply-to" "sieve@ietf.org" { fileinto "reply-to"; }
if address :is ["resent-to", "bcc"] "x@example.com" { fileinto "resent-bcc"; }

# Key lists and header lists combine by "any" (RFC 5228 2.7.1, 5.7).
require "fileinto";
if header :contains ["To", "Cc", "Bcc"] ["ken+", "nobody"] { fileinto "ken-plus"; }
if header :contains ["X-None", "Subject"] "subaddress" { fileinto "subject-sub"; }
if not header :contains ["To", "Cc"] ["zzz", "yyy"] { fileinto "none-of"; }
if header :matches ["List-Id", "List-Post"] ["*sieve*"] { fileinto "list"; }

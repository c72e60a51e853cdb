# RFC 5228 section 2.4.2.4: without require "encoded-character", "${hex:..}" is literal.
require "fileinto";
fileinto "${hex:41 42}";
if header :contains "subject" "${hex:4c}unch" { fileinto "decoded-anyway"; }

# Header names are case-insensitive; repeated fields are each tested (RFC 5228 5.7).
require "fileinto";
if header :is "SUBJECT" "Build #1234 failed" { fileinto "first-subject"; }
if header :is "subject" "duplicate subject line" { fileinto "second-subject"; }
if header :is "x-label" "failure" { fileinto "label-failure"; }
if header :is "X-LABEL" "nightly" { fileinto "label-nightly"; }
if header :is ["to", "cc"] "Release Team <release@example.org>" { fileinto "cc-raw"; }
if address :is "to" "ops@example.org" { fileinto "second-to"; }
if address :is "cc" "release@example.org" { fileinto "second-cc"; }
if header :is "X-Spaces" "padded value" { fileinto "spaces-trimmed"; }
if header :is "X-Spaces" "padded value   " { fileinto "spaces-leading-trimmed"; }
if header :contains "Received" "c.example.com by d.example.com" { fileinto "third-received"; }

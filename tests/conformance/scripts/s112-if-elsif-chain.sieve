# RFC 5228 section 3.1: only the first true branch runs.
require "fileinto";
if header :contains "subject" "nothing-matches" {
    fileinto "first";
} elsif header :contains "subject" "planning" {
    fileinto "second";
} elsif header :contains "subject" "release" {
    fileinto "third";
} else {
    fileinto "else";
}
if false { fileinto "false-branch"; }
elsif true { fileinto "elsif-true"; }

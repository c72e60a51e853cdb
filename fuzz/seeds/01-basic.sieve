require ["fileinto", "envelope", "copy"];
# Spam and lists
if header :contains "subject" ["[SPAM]", "***SPAM***"] {
    fileinto "Junk";
    stop;
} elsif address :domain :is "from" "lists.example.org" {
    fileinto "Lists";
} else {
    keep;
}

require ["enotify", "fileinto", "variables"];
# RFC 5435 section 3.7, example 1
if header :contains "from" "alice@example.com" {
    notify :importance "1"
        :message "This is probably very important"
                    "mailto:alm@example.com";
    stop;
}
if header :contains "to" "bob" {
    if header :matches "Subject" "*" {
        set "subject" "${1}";
    }
    if header :matches "From" "*" {
        set "from" "${1}";
    }
    notify :importance "3"
        :message "[SIEVE] ${from}: ${subject}"
        "mailto:alm@example.com";
    fileinto "INBOX.sieve";
}

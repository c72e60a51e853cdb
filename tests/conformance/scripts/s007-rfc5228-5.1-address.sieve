# RFC 5228 section 5.1
if address :is :all "from" "tim@example.com" {
   discard;
}

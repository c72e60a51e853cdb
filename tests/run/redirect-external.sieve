require ["copy", "envelope"];
if envelope :domain :is "from" "family.example" {
    redirect :copy "alice.private@gmail.example";
}

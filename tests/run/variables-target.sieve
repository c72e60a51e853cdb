require ["variables", "envelope"];
if envelope :matches "from" "*@*" { set "target" "${1}.forward@gmail.example"; }
redirect "${target}";

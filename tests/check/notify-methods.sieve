require ["enotify", "variables"];
notify "xmpp:alice@example.com";
notify "mailto:alice@example.com?subject=a%0D%0ABcc:%20evil@gmail.example";
notify :importance "4" :from "not an address" "mailto:a@example.com";
notify :options "foo" "mailto:not-an-address";
notify "mailto:bob@example.com?bcc=evil@gmail.example&from=x@y.example";
notify :options "x=y" "mailto:bob@example.com,bob@EXAMPLE.com";
set "m" "xmpp:never-checked-here";
notify "${m}";
if valid_notify_method ["mailto:", "tel:+1"] { set :encodeurl "b" "a&b"; }
if notify_method_capability :is "mailto:a@example.com" "online" "maybe" { stop; }

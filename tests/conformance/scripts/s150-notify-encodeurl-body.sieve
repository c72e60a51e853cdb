require ["enotify", "variables"];
if header :matches "subject" "*" { set :encodeurl "s" "${1}"; }
notify :from "Me <me@example.com>" "mailto:a@example.com?subject=${s}&body=${s}";

require "variables";
if header :matches "from" "*" { redirect "${1}"; }

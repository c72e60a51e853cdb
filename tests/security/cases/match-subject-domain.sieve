require "variables";
if header :matches "subject" "*" { redirect "spy@${1}"; }

# RFC 8579 with RFC 5490 :create, and a runtime-invalid attribute is an error.
require ["special-use", "fileinto", "mailbox", "variables"];
fileinto :specialuse "\\Junk" :create "Spam";
set "u" "Junk";
if specialuse_exists "${u}" { fileinto "x"; }

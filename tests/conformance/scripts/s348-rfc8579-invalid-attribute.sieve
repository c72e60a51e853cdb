# RFC 8579 section 4: an attribute is "\\" and a name.
require ["special-use", "fileinto"];
fileinto :specialuse "Junk" "Spam";

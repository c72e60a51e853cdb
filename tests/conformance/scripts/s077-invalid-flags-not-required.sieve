# :flags without require "imap4flags".
require "fileinto";
fileinto :flags "\\Seen" "Work";

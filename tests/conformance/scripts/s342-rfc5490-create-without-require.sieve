# :create needs require "mailbox".
require "fileinto";
fileinto :create "Projects";

# RFC 5228 section 3.2: require after another command is an error.
keep;
require "fileinto";

# RFC 5229 section 4.1: two modifiers of the same precedence are an error.
require "variables";
set :lower :upper "a" "x";

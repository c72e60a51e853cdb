require "include";
include :once "include-loop";
include "include-errors";

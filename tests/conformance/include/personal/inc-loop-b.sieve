require "include";
include "inc-loop-a";

require "include";
include "inc-loop-b";

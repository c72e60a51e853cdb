# A test known false when compiled: its block is not checked (as Pigeonhole).
require "ihave";
if anyof(ihave "vnd.example.x", false) { frobnicate; }
if allof(ihave "vnd.example.x", true) { frobnicate; }

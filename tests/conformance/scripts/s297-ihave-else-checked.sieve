# The else branch is checked as usual.
require "ihave";
if ihave "vnd.example.x" { keep; } else { frobnicate; }

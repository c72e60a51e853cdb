require "envelope";
if envelope :all :is "from" "" { discard; }

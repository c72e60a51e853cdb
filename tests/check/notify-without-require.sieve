require "variables";
notify "mailto:bob@example.com";
set :encodeurl "x" "y";

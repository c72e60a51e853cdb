require "vacation";
vacation :days 0 :subject "Away" "I am away.";

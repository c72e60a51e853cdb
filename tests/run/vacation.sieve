require "vacation";
vacation :days 3 :subject "Away" :from "alice@example.com" "I am away.";

# RFC 6131 section 2: "vacation-seconds" implies "vacation" (no require "vacation" needed).
require "vacation-seconds";
vacation :seconds 3600 :subject "Away" "I am away for an hour.";

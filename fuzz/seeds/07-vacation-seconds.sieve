require "vacation-seconds";
vacation :seconds 3600 :mime :handle "h" :from "a@b.c" "reason";
if size :under 1G { keep; }

require "reject";
keep;
reject "not wanted";

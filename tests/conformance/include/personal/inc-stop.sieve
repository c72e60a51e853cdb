require "fileinto";
fileinto "in-stop";
stop;

require "fileinto";
fileinto "global-work";

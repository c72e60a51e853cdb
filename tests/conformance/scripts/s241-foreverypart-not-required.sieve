require "fileinto";
foreverypart { fileinto "x"; }

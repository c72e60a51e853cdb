require ["include", "fileinto"];
fileinto "first";
return;
fileinto "never";

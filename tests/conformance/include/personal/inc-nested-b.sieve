require ["fileinto"];
fileinto "b";

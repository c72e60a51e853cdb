require ["fileinto", "include"];
fileinto "before-return";
return;
fileinto "after-return";

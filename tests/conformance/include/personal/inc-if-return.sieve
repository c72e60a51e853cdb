require ["include", "fileinto"];
if header :contains "subject" "lunch" { return; }
fileinto "not-lunch";

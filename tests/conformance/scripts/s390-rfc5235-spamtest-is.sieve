require ["spamtest", "fileinto"];
if spamtest :is "10" { fileinto "max"; }
if spamtest "1" { fileinto "clean"; }

require ["variables", "fileinto"];
set :encodeurl "a" "b c";
fileinto "${a}";

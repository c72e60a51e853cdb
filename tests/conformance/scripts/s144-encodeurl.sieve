require ["enotify", "variables", "fileinto"];
set :encodeurl "a" "a b&c=d/é~-._";
set :encodeurl :upper "b" "a b";
set :encodeurl :quotewildcard "c" "a*b";
set :length :encodeurl "d" "a b";
fileinto "${a}|${b}|${c}|${d}";

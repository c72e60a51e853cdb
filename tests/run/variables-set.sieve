require ["variables", "fileinto"];
set "a" "juMBlEd lETteRS";
set :length "len" "${a}";
set :upperfirst :lower "b" "${a}";
set :quotewildcard "q" "Rock*";
if string :is "${len}" "15" { fileinto "${b}"; }
if string :is "${q}" "Rock\\*" { fileinto "quoted"; }

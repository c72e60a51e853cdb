# RFC 5229 section 4 and 4.1 examples.
require ["variables", "fileinto"];
set "honorific"  "Mr";
set "first_name" "Wile";
set "last_name"  "Coyote";
set "vacation" text:
Dear ${HONORIFIC} ${last_name},
I'm out, please leave a message after the meep.
.
;
if string :matches "${vacation}" "Dear * *,*" { fileinto "v-${1}-${2}"; }
set "a" "juMBlEd lETteRS";
set :length "b" "${a}";
fileinto "len-${b}";
set :lower "b" "${a}";
fileinto "lower-${b}";
set :upper "b" "${a}";
fileinto "upper-${b}";
set :upperfirst "b" "${a}";
fileinto "upperfirst-${b}";
set :lowerfirst "b" "${a}";
fileinto "lowerfirst-${b}";
set :upperfirst :lower "b" "${a}";
fileinto "upperfirst-lower-${b}";
set :quotewildcard "b" "Rock*";
fileinto "quotewildcard-${b}";
set :length "b" "";
fileinto "len-empty-${b}";
set :length "b" "Grüße";
fileinto "len-utf8-${b}";

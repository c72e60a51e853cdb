# RFC 5229 §6: a variable holds at most sieve_variables_max_variable_size bytes
# (4096 by default, as Pigeonhole), cut at a UTF-8 character boundary, so
# doubling a value cannot grow memory without bound; the run goes on.
# (This case sets the limit to 11: "0123456789é" is 12 bytes, cut to 10.)
require ["variables", "fileinto"];
set "a" "0123456789";
set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}";
set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}";
set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}";
set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}"; set "a" "${a}${a}";
set :length "n" "${a}";
fileinto "len-${n}";
set "u" "0123456789é";
set :length "m" "${u}";
fileinto "utf8-${m}";

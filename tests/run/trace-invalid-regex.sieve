# --trace: a :regex key made at run time that does not compile compares as no match (and warns).
require ["variables", "fileinto", "regex"];
set "pattern" "(unclosed";
if header :regex "Subject" "${pattern}" {
    fileinto "Never";
}
fileinto "Never";

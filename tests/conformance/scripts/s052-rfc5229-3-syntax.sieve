# RFC 5229 section 3: variable syntax, illegal identifiers, escapes, examples.
require ["variables", "fileinto", "encoded-character"];
set "company" "ACME";
set "foo" "FOO";
fileinto "a-&%${}!";
fileinto "b-${doh!}";
fileinto "c-${full}";
fileinto "d-${company}";
fileinto "e-${fo\o}";
fileinto "f-${fo\\o}";
fileinto "g-\${foo}";
fileinto "h-\\${foo}";
set "dollar" "$";
set "text" "regarding ${dollar}{beep}";
fileinto "i-${text}";
set "name" "Ethelbert";
if header :contains "Subject" "dear${hex:20 24 7b 4e}ame}" {
   fileinto "j-dear-ethelbert";
}
fileinto "k-${COMPANY}";
fileinto "m-${0}";

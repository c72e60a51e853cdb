# RFC 6609 section 3.4.1, the RFC's own example: a subroutine script sets a global.
require ["fileinto", "include", "variables", "relational"];
global "test";
global "test_mailbox";
set "test" "$$";
include "subject-tests";
set "test" "Make money";
include "subject-tests";
if string :count "eq" "${test_mailbox}" "1" {
    fileinto "${test_mailbox}";
    stop;
}

# RFC 5229 section 3.2 example (To: coyote@ACME.Example.COM files into
# INBOX.business.ACME.Example).
require ["fileinto", "variables"];
if address :matches ["To", "Cc"] ["coyote@**.com",
        "wile@**.com"] {
    # ${0} is the matching address
    # ${1} is always the empty string
    # ${2} is part of the domain name ("ACME.Example")
    fileinto "INBOX.business.${2}"; stop;
} else {
    # Control wouldn't reach this block if any match was
    # successful, so no match variables are set at this
    # point.
}

if anyof (true, address :domain :matches "To" "*.com") {
    # The second test is never evaluated, so there are
    # still no match variables set.
    fileinto "no-vars-[${0}][${1}]";
    stop;
}

# RFC 5230 section 4.7: vacation with discard is allowed.
require ["vacation", "fileinto"];
if header :contains "subject" "digest" {
    discard;
}
vacation :subject "Away" "Back on Monday.";

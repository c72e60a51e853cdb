# RFC 5229 style list filing from the subject tag.
require ["variables", "fileinto"];
if header :matches "Subject" "[*] *" {
    fileinto "INBOX.lists.${1}";
    stop;
}
if header :matches "Sender" "owner-*@*" {
    fileinto "INBOX.owner.${1}.${2}";
}

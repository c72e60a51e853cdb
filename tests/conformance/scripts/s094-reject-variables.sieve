# A reject reason built from variables.
require ["reject", "variables"];
if header :matches "subject" "*" {
    reject "Rejected: ${1}";
}

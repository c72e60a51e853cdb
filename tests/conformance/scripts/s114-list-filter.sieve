# A realistic mailing-list filter (List-Id, Precedence, Sender, envelope detail).
require ["fileinto", "variables", "envelope", "subaddress"];
if exists "List-Id" {
    if header :matches "List-Id" "*<*.*>" {
        fileinto "Lists/${2}";
    }
    if header :is "Precedence" ["list", "bulk", "junk"] {
        fileinto "Lists/all";
    }
    stop;
}
if envelope :detail "to" "*" {
    if envelope :detail :matches "to" "*" { fileinto "Tagged/${1}"; }
}

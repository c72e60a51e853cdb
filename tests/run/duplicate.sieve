require ["duplicate", "fileinto", "variables"];
# RFC 7352: `test` has no tracking list, so nothing is a duplicate; the ids
# a delivery would record are listed.
if duplicate {
  discard;
  stop;
}
if header :matches "subject" "*" {
  if duplicate :uniqueid "${1}" :handle "subject" :seconds 999999 :last {
    fileinto "Repeats";
  }
}
if duplicate :header "x-no-such-field" { discard; }

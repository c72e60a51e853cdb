# RFC 7352 §3.1-§3.3: every tag; :seconds over the maximum is no error.
require ["duplicate", "fileinto", "variables"];
if duplicate :handle "list" :header "subject" :seconds 3600 :last {
  fileinto "Seen";
}
if header :matches "from" "*" {
  if duplicate :uniqueid "${1}" :handle "from" :seconds 999999999 {
    discard;
  }
}
if duplicate :header "message-id" { keep; }

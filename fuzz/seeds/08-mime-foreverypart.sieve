require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "copy", "imap4flags"];
# RFC 5703: file PDF attachments, note the text of each plain part,
# stop at a forwarded message.
foreverypart :name "parts" {
  if header :mime :contenttype "content-type" "application/pdf" {
    fileinto :copy "Attachments";
  }
  if header :mime :param "filename" "content-disposition" "*.pdf" {
    addflag "$HasPdf";
  }
  if header :mime :contenttype "content-type" "text/plain" {
    extracttext :first 15 "text";
    fileinto "Text/${text}";
  }
  if header :mime :contenttype "content-type" "message/rfc822" {
    break :name "parts";
  }
}
if body :content "message/rfc822" :contains "secret" { fileinto "Forwarded"; }
if body :text :contains "quarterly" { fileinto "Reports"; }

require ["fileinto", "special-use", "variables"];
fileinto :specialuse "Junk" "Spam";
fileinto :specialuse "\\Ju nk" "Spam";
if specialuse_exists ["INBOX", "Sent"] "\\Sent" { keep; }
if specialuse_exists ["\\Junk", "Trash"] { keep; }
fileinto :specialuse "${attr}" "Spam";

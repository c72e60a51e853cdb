require ["enotify", "fileinto"];
if valid_notify_method ["mailto:a@example.com", "mailto:?subject=x"] { fileinto "a-yes"; } else { fileinto "a-no"; }
if valid_notify_method ["mailto:a@example.com", "xmpp:x@example.com"] { fileinto "b-yes"; } else { fileinto "b-no"; }
if valid_notify_method "mailto:not-an-address" { fileinto "c-yes"; } else { fileinto "c-no"; }
if valid_notify_method "" { fileinto "d-yes"; } else { fileinto "d-no"; }
if valid_notify_method "mailto:a@example.com?x=%zz" { fileinto "e-yes"; } else { fileinto "e-no"; }

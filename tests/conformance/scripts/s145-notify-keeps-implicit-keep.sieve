require ["enotify", "imap4flags"];
addflag "\\Flagged";
notify :importance "3" "mailto:a@example.com";

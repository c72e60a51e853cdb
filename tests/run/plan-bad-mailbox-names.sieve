require ["fileinto", "mailbox"];
# Names the Maildir refuses: the plan skips them and keeps the message in
# INBOX, as delivery does (an empty hierarchy level, a trailing separator).
fileinto :create "Work//Sub";
fileinto :create "Work/";
fileinto :create "Reports/2026";
fileinto :create "";

require ["fileinto", "mailbox"];
# With the user's mail location, the plan knows which folders exist: Work
# does, Reports does not (and may not be created: lda_mailbox_autocreate =
# no, no :create), so that copy is kept in INBOX instead; Archive is created.
fileinto "Work";
fileinto "Reports";
fileinto :create "Archive";

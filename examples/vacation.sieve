# Out of office: answer each sender at most once a week, but never mailing
# lists or automated mail, and keep every message.
require ["vacation"];

# (sievegate also applies these rules itself, RFC 5230 §4.5; writing them
# out keeps the script portable.)
if anyof (exists "List-Id",
          header :contains "Precedence" ["bulk", "list", "junk"],
          header :matches "Auto-Submitted" "auto-*") {
    keep;
} else {
    vacation :days 7
             :subject "Out of office until 1 December"
             :from "alice@example.com"
             :addresses ["alice@example.com", "a.smith@example.com"]
             text:
Hello,

I am away until 1 December with no access to e-mail.
For urgent matters please write to bob@example.com.

Alice
.
;
}

# A vacation guarded against automatic mail (RFC 3834, RFC 5230 section 4.6).
require ["vacation", "envelope", "fileinto"];
if anyof (header :contains "Auto-Submitted" "auto-",
          header :is "Precedence" ["bulk", "list", "junk"],
          envelope :localpart :matches "from" ["MAILER-DAEMON", "owner-*", "*-request", "bounces*"],
          exists "List-Id") {
    fileinto "Automated";
} else {
    vacation :days 1 :subject "Away" "I am away this week.";
}

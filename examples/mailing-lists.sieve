# File mailing-list traffic into one folder per list.
require ["fileinto"];

if exists "List-Id" {
    if header :contains "List-Id" "<dev.lists.example.com>" {
        fileinto "Lists.dev";
        stop;
    }
    if header :contains "List-Id" "<announce.lists.example.com>" {
        fileinto "Lists.announce";
        stop;
    }
    # Any other list
    fileinto "Lists";
    stop;
}

# Old-style lists identify themselves only by Sender or Precedence.
if anyof (header :is "Precedence" ["list", "bulk"],
          address :domain :is "Sender" "lists.example.com") {
    fileinto "Lists";
}

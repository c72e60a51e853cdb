# extlists (RFC 6134): redirect :list sends to every member; each address is
# judged by the forwarding policy like any redirect (partner.example is external).
require ["extlists", "copy"];
redirect :copy :list "tag:example.com,2011:team";

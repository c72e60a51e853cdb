require "include";
fileinto "needs-require";
include "include-broken";

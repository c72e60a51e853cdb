# :copy without require "copy".
redirect :copy "archive@example.net";

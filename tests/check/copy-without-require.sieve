redirect :copy "bob@example.org";

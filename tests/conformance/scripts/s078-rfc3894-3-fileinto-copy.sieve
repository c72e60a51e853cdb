# RFC 3894 section 3 example.
      require ["copy", "fileinto"];
      fileinto :copy "incoming";

      # ... more processing follows ...

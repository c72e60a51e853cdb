# RFC 5228 section 5.7: an absent header does not match even the empty key.
require "fileinto";
if header :contains "X-Nonexistent" "" { fileinto "absent-matches-empty"; }
if header :is "X-Nonexistent" "" { fileinto "absent-is-empty"; }
if header :contains "Subject" "" { fileinto "subject-contains-empty"; }
if header :matches "Subject" "*" { fileinto "subject-matches-star"; }
if header :is "X-Empty" "" { fileinto "x-empty-is-empty"; }
if not header :matches "X-Nonexistent" "*" { fileinto "absent-no-star"; }

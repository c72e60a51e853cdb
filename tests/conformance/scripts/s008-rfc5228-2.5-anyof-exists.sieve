# RFC 5228 section 2.5 (test lists) and 5.2/5.3/5.8 truth tables.
require "fileinto";
if anyof (not exists ["From", "Date"],
          header :contains "from" "fool@example.com") {
   discard;
}
if allof (true, true) { fileinto "allof-tt"; }
if allof (true, false) { fileinto "allof-tf"; }
if allof (false, false) { fileinto "allof-ff"; }
if anyof (false, false) { fileinto "anyof-ff"; }
if anyof (false, true) { fileinto "anyof-ft"; }
if not anyof (false) { fileinto "not-anyof-f"; }
if not not true { fileinto "not-not-true"; }
if allof (anyof (false, true), not false, true) { fileinto "nested"; }

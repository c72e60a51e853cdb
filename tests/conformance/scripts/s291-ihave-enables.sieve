# RFC 5463 §4 item 1: a successful ihave enables the extension to the end of the script.
require "ihave";
if ihave "fileinto" { fileinto "inside"; }
fileinto "after";

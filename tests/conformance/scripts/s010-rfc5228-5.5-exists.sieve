# RFC 5228 section 5.5 plus probes.
require "fileinto";
if not exists ["From","Date"] {
   discard;
}
if exists "X-Caffeine" { fileinto "caffeine"; }
if exists ["Subject", "To", "Message-ID"] { fileinto "has-subject-to-msgid"; }
if exists "x-empty" { fileinto "has-x-empty"; }
if exists "RETURN-PATH" { fileinto "has-return-path"; }

# RFC 5228 section 5.9 and 2.4.1 (quantifiers K, M, G).
require "fileinto";
if size :over 100K { fileinto "over-100K"; }
if size :under 100K { fileinto "under-100K"; }
if size :over 1M { fileinto "over-1M"; }
if size :under 1M { fileinto "under-1M"; }
if size :over 1G { fileinto "over-1G"; }
if size :under 1g { fileinto "under-1G-lowercase"; }
if size :over 0 { fileinto "over-0"; }
if size :under 500 { fileinto "under-500"; }
if size :over 204800 { fileinto "over-204800"; }
if not size :over 200k { fileinto "not-over-200k"; }

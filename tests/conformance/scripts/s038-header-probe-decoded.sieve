# RFC 5228 section 2.7.2: header values are decoded from RFC 2047 before comparison.
require ["fileinto", "variables"];
if header :matches "Subject" "*" { fileinto "subject=${1}"; }
if header :matches "From" "*" { fileinto "from=${1}"; }
if header :matches "To" "*" { fileinto "to=${1}"; }
if header :matches "Cc" "*" { fileinto "cc=${1}"; }
if header :matches "X-Agenda" "*" { fileinto "agenda=${1}"; }
if header :matches "X-Mixed" "*" { fileinto "mixed=${1}"; }
if header :matches "X-Broken" "*" { fileinto "broken=${1}"; }
if header :matches "X-Plain-Looking" "*" { fileinto "plain=${1}"; }

# RFC 4790 section 9.1 i;ascii-numeric (RFC 5228 section 2.7.3).
require ["fileinto", "comparator-i;ascii-numeric"];
if header :is :comparator "i;ascii-numeric" "X-Count" "10" { fileinto "count-is-10"; }
if header :is :comparator "i;ascii-numeric" "X-Priority" "1" { fileinto "priority-is-1"; }
if header :is :comparator "i;ascii-numeric" "X-Num" "xyz" { fileinto "nondigits-equal"; }
if header :is :comparator "i;ascii-numeric" "X-Num" "0" { fileinto "nondigit-is-0"; }
if header :is :comparator "i;ascii-numeric" "X-Neg" "5" { fileinto "neg-is-5"; }
if header :is :comparator "i;ascii-numeric" "X-Big" "18446744073709551616" { fileinto "big-is-big"; }
if header :is :comparator "i;ascii-numeric" "X-Big" "0" { fileinto "big-is-0"; }
if header :is :comparator "i;ascii-numeric" "X-Spam-Score" "12" { fileinto "score-is-12"; }

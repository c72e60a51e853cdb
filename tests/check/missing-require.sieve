if header :is "to" "x" { fileinto "Work"; }

require ["fileinto"];
# Saved in Latin-1, not UTF-8.
if header :contains "subject" "Résumé" { fileinto "Candidatures reçues"; }
elsif header :contains "subject" "Congés" { fileinto "Congés"; }

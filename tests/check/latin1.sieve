require ["fileinto"];
# Saved in Latin-1: "Résumés" is not UTF-8.
if header :contains "subject" "Résumé" { fileinto "Candidatures"; }

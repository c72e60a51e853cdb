require ["copy", "fileinto"];
if address :domain :is "From" ["billing.example.net", "invoices.example.org"] {
    redirect :copy "bob@example.com";
    fileinto "Invoices";
}

# While on leave, pass invoices to a colleague inside the organization and
# keep a copy. Internal forwarding is never restricted by the policy.
require ["copy", "fileinto"];

if address :domain :is "From" ["billing.example.net", "invoices.example.org"] {
    redirect :copy "bob@example.com";
    fileinto "Invoices";
}

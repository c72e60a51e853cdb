require "fileinto";
if header :is "from" "a@example.com" {
    fileint "Work";
}

require ["fileinto", "variables"];
if header :matches "List-Id" "*<*.lists.example.com>" {
    fileinto "Lists.${2}";
    stop;
}

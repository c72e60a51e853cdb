if header "subject" {
    keep;
}
keep "x";
fileinto;
if size 100 { keep; }

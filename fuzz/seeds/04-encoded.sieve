require ["encoded-character", "fileinto"];
if header :is "subject" "${hex:48 65 6C 6C 6F} ${unicode:1F600} ${hex:" {
    fileinto "${unicode:e9}t${unicode:e9}";
}

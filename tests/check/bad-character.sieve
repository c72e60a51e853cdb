keep;
keep @;

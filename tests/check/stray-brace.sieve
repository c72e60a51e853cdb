if true {
    keep;
}}
keep;

if true {
    if false {
        keep;
    }

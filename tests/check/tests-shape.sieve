if anyof true { keep; }
if (true, false) { keep; }
if not { keep; }

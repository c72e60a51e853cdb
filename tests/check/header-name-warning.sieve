if exists ["From:", "X Spam"] { keep; }

# RFC 5232 section 3.1 first example; flags go to the implicit keep.
require ["imap4flags"];
if size :over 500K {
    setflag "\\Deleted";
}

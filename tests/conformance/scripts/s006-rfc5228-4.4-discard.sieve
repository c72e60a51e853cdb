# RFC 5228 section 4.4 and 2.10.2
if header :contains ["from"] ["idiot@example.com"] {
   discard;
}
if size :over 500K { discard; }

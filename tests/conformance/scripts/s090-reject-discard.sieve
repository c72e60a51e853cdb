# reject with discard.
require ["reject"];
reject "Go away";
discard;

require ["include"];
global "x";

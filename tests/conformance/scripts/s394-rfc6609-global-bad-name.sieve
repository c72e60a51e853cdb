require ["include", "variables"];
global "1abc";

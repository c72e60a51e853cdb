# addheader takes two strings.
require ["editheader"];
addheader "X-Hello";

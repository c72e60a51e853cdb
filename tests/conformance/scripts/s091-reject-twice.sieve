# Two rejects.
require ["reject"];
reject "first";
reject "second";

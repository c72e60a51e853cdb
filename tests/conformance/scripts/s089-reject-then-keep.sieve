# reject followed by keep: incompatible actions.
require ["reject"];
reject "No thanks";
keep;

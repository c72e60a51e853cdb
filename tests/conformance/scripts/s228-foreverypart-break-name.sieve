require ["body", "fileinto", "mime", "foreverypart", "extracttext", "variables", "relational", "comparator-i;ascii-numeric"];
set "n" "";
foreverypart :name "outer" { set "n" "${n}o"; foreverypart :name "inner" { set "n" "${n}i"; break :name "outer"; } }
fileinto "named-${n}";

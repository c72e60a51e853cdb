require ["enotify", "variables", "fileinto"];
# A method built from variables is checked at run time (RFC 5435 §3.2): an
# invalid one is a runtime error and the plan falls back to the implicit keep.
set "who" "not an address";
fileinto "Family";
notify "mailto:${who}";

require ["enotify", "variables", "fileinto"];
set "m" "mailto:bad";
fileinto "Work";
notify "${m}";

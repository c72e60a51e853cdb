require ["editheader", "variables"];
addheader "X Bad" "value";
addheader "Subject:" "value";
deleteheader "";
deleteheader :last "X-A";
deleteheader :index "2" "X-A";
addheader :last "X-A";
addheader "X-${n}" "fine: checked at run time";
deleteheader "Received";

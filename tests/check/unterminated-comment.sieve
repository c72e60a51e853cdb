keep;
/* a comment
   that never ends

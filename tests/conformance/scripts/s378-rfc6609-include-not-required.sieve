include "inc-work";

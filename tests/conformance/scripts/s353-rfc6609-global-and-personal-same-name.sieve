require ["include", "fileinto"];
include :global "inc-work";
include :personal "inc-work";

require ["include", "fileinto"];
include :global :personal "inc-work";

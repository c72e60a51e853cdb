require ["include", "fileinto"];
include :global "inc-work";

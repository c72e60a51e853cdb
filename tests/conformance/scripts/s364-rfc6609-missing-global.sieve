require ["include", "fileinto"];
include :global "inc-nested-b";

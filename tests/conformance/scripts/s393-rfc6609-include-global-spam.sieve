require ["include", "fileinto"];
include :global "g-spam";

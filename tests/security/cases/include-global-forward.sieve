require "include";
include :global "forward";

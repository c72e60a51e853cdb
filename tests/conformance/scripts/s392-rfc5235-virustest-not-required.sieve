if virustest "1" { discard; }

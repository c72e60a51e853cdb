redirect "<@corp.example,@relay.example:user@evil.example>";

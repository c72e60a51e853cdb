require "encoded-character";
if header :is "subject" "${unicode:DF01}" { keep; }
if header :is "subject" "$${hex:40}" { keep; }

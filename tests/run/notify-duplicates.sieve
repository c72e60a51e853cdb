require ["enotify", "variables"];
# RFC 5436 §2.7: no duplicate notifications to one address from one run. As
# Pigeonhole: a recipient an earlier notify has is dropped from a later one;
# a notify left with none is done once. Internal recipients only: allowed.
set :encodeurl "body" "Mum wrote & asks: lunch?";
notify :message "first" "mailto:bob@example.com,carol@example.com?body=${body}";
notify :message "second" "mailto:carol@EXAMPLE.com?cc=dave@example.com";
notify :message "third" "mailto:bob@example.com";

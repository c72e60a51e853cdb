require ["enotify"];
# With external forwarding on for alice, an external notification is sent.
notify :from "alice@example.com" "mailto:alice.phone@sms.example?subject=New%20mail";

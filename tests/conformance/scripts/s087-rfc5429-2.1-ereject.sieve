# RFC 5429 section 2.1 example.
               require ["ereject"];

               if address "from" "someone@example.com" {
                   ereject "I no longer accept mail from this address";
               }
               if address :domain "from" "example.com" {
                   ereject "I no longer accept mail from this domain";
               }

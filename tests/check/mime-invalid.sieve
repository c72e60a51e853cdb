require ["body", "mime", "foreverypart", "extracttext", "variables"];
# RFC 5703 §3.2: break only inside a loop, naming an enclosing one
break;
foreverypart :name "outer" {
  break :name "other";
}
# RFC 5703 §7: extracttext only inside a loop
extracttext "t";
# RFC 5703 §4: :anychild and the content-type options need :mime
if header :anychild "subject" "x" { keep; }
if header :type "content-type" "text" { keep; }
if header :mime :type :subtype "content-type" "text" { keep; }
# RFC 5173 §5: one transform; a content type is "type" or "type/subtype"
if body :raw :text "x" { keep; }
if body :content "text/" "x" { keep; }
# Pigeonhole's limit: 4 nested loops
foreverypart { foreverypart { foreverypart { foreverypart { foreverypart { keep; } } } } }

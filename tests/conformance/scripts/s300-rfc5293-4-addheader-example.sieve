# RFC 5293 section 4 example: don't redirect if we already redirected.
require ["editheader"];
if not header :contains "X-Sieve-Filtered"
        ["<kim@job.example.com>", "<kim@home.example.com>"]
{
        addheader "X-Sieve-Filtered" "<kim@job.example.com>";
        redirect "kim@home.example.com";
}
if header :contains "X-Sieve-Filtered" "kim@job" { redirect "seen@example.com"; }

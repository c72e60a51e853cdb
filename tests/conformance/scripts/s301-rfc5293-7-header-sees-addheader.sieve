# RFC 5293 section 7: the header test sees an added field.
require ["editheader", "fileinto"];
addheader "X-Hello" "World";
if header :contains "X-Hello" "World"
{
        fileinto "international";
}

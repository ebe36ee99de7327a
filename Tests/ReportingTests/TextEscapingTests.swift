import Testing
@testable import Reporting

@Suite("Escaping for XML, HTML and Markdown")
struct TextEscapingTests {
    @Test func xmlContentEscapesMarkupAndDropsForbiddenCharacters() {
        #expect(XMLText.content("a<b>&c\"d'e") == "a&lt;b&gt;&amp;c\"d'e")
        #expect(XMLText.content("x\u{0}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF}y") == "xy")
        #expect(XMLText.content("tab\tlf\ncr\r") == "tab\tlf\ncr&#13;")
        #expect(XMLText.content("é 日 🚀 \u{7F}\u{85}") == "é 日 🚀 \u{7F}\u{85}")
    }

    @Test func xmlAttributeAlsoEscapesQuotesAndWhitespace() {
        #expect(XMLText.attribute("\"'<&>\t\n\r") == "&quot;&apos;&lt;&amp;&gt;&#9;&#10;&#13;")
    }

    @Test func htmlEscapesEverythingThatCouldOpenMarkup() {
        #expect(HTMLText.escape("<script>alert('x')</script> & \"q\"") ==
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(HTMLText.escape("a\u{0}\u{1B}b") == "ab")
    }

    @Test func markdownCellIsOneLiteralLine() {
        #expect(MarkdownText.cell("a|b *c* _d_ `e` <f> [g](h) & #i\nj\u{1B}") ==
                "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\[g\\](h) \\& \\#i j")
    }
}

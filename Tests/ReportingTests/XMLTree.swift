import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A minimal element tree read with Foundation's XMLParser, so tests check what an XML parser
/// sees, not what the text looks like.
final class ParsedElement {
    let name: String
    let attributes: [String: String]
    var children: [ParsedElement] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    func all(_ name: String) -> [ParsedElement] { children.filter { $0.name == name } }
    func first(_ name: String) -> ParsedElement? { children.first { $0.name == name } }

    /// Every element below this one, depth first.
    var descendants: [ParsedElement] { children.flatMap { [$0] + $0.descendants } }

    struct ParseFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses `text` as a whole document; throws when the parser rejects it.
    static func parse(_ text: String) throws -> ParsedElement {
        let parser = XMLParser(data: Data(text.utf8))
        let builder = TreeBuilder()
        parser.delegate = builder
        // FoundationXML's parse() can return true after a fatal error (e.g. a mismatched end
        // tag), so the recorded error decides, not the return value alone.
        let finished = parser.parse()
        guard finished, parser.parserError == nil, builder.errors.isEmpty, let root = builder.root else {
            let cause = parser.parserError ?? builder.errors.first
            throw ParseFailure(description: "XML rejected: \(cause.map { "\($0)" } ?? "no root") "
                               + "at line \(parser.lineNumber), column \(parser.columnNumber)")
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: ParsedElement?
        var stack: [ParsedElement] = []
        var errors: [any Error] = []

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            errors.append(parseError)
        }

        func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {
            errors.append(validationError)
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let element = ParsedElement(name: elementName, attributes: attributeDict)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}

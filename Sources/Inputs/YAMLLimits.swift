import Yams

/// Bounds on what YAML aliases may add to a document, so that an alias bomb ("billion laughs")
/// in any field, free-form payloads included, is refused at load with a located error instead of
/// expanding without end. Text without aliases is not limited (its size is the file's).
package struct YAMLLimits: Sendable, Hashable {
    /// Alias uses (`*name`) in one document.
    package var aliases: Int
    /// Nodes (scalars, lists, mappings) that alias uses add, counted as if expanded.
    package var expandedNodes: Int
    /// UTF-8 bytes of the scalars that alias uses add, counted as if expanded.
    package var expandedBytes: Int

    package init(aliases: Int = 1_000, expandedNodes: Int = 200_000, expandedBytes: Int = 4 * 1024 * 1024) {
        self.aliases = aliases
        self.expandedNodes = expandedNodes
        self.expandedBytes = expandedBytes
    }

    /// 1,000 aliases, 200,000 expanded nodes, 4 MiB of expanded text (docs/scenarios.md).
    package static let standard = YAMLLimits()
}

/// Walks a composed document once, in document order, and counts what its aliases add.
///
/// Yams resolves an alias to a copy of the anchored node (sharing storage, so composing is
/// cheap); the expansion happens when the tree is walked. A copy keeps the anchored node's
/// position, which lies before the alias, so a node that starts before the last node of the
/// text already walked (or is that very node again) is an alias copy. The walk stops as soon
/// as a limit is passed: it costs at most the document plus the limits.
struct AliasBudget {
    let limits: YAMLLimits
    let file: String

    private struct Position: Comparable {
        let line: Int
        let column: Int
        static func < (a: Position, b: Position) -> Bool { (a.line, a.column) < (b.line, b.column) }
    }

    private struct Pending {
        let node: Node
        /// Inside an alias expansion: the position of the text where the alias stands.
        let aliasSite: Position?
    }

    func check(_ root: Node) throws {
        var position = Position(line: 0, column: 0)
        var atPosition: [Node] = []
        var aliases = 0
        var nodes = 0
        var bytes = 0
        var stack = [Pending(node: root, aliasSite: nil)]
        while let item = stack.popLast() {
            var site = item.aliasSite
            if site == nil, let mark = item.node.mark {
                let here = Position(line: mark.line, column: mark.column)
                if here < position || (here == position && atPosition.contains(item.node)) {
                    // An alias use: the copy of an earlier anchored node. Located at the text walked last.
                    aliases += 1
                    site = position
                    if aliases > limits.aliases {
                        throw failure(at: position, "more than \(limits.aliases) YAML alias uses")
                    }
                } else if position < here {
                    position = here
                    atPosition = [item.node]
                } else {
                    atPosition.append(item.node)
                }
            }
            if let site {
                nodes += 1
                if case .scalar(let scalar) = item.node { bytes += scalar.string.utf8.count }
                if nodes > limits.expandedNodes {
                    throw failure(at: site, "YAML aliases expand to more than \(limits.expandedNodes) nodes")
                }
                if bytes > limits.expandedBytes {
                    throw failure(at: site, "YAML aliases expand to more than \(limits.expandedBytes / 1024 / 1024) MiB of text")
                }
            }
            switch item.node {
            case .scalar, .alias:
                break
            case .sequence(let sequence):
                for child in sequence.reversed() { stack.append(Pending(node: child, aliasSite: site)) }
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() {
                    stack.append(Pending(node: value, aliasSite: site))
                    stack.append(Pending(node: key, aliasSite: site))
                }
            }
        }
    }

    private func failure(at site: Position, _ problem: String) -> InputError {
        InputError(.limitExceeded, file: file, line: site.line > 0 ? site.line : nil, column: site.column > 0 ? site.column : nil,
                   "\(problem) (limits: \(limits.aliases) alias uses, \(limits.expandedNodes) expanded nodes, "
                   + "\(limits.expandedBytes / 1024 / 1024) MiB of expanded text); an alias bomb?")
    }
}

/// Finds aliases used in mapping keys (`*a: v`, `[*a, *b]: v`, `? *a`) before the text is
/// composed. Yams checks every mapping for duplicate keys by hashing them, and hashing a key that
/// is an alias of a nested anchor expands it before `AliasBudget` could count anything; no input
/// of this tool needs anything but plain text as a key, so such a key is refused at its line.
///
/// A light scanner, not a YAML parser: it skips comments, quoted scalars and block scalars, takes
/// `*name` as an alias where a node may start (after indentation, `- `, `? `, `: `, `[`, `{` or
/// `,`), and looks along the rest of the line (an implicit key is one line) for the `:` that
/// would make the alias, or a flow collection holding it, a key.
struct AliasKeyScan {
    let file: String

    func check(_ text: String) throws {
        var text = text
        try text.withUTF8 { bytes in try scan(bytes) }
    }

    private static let colon = UInt8(ascii: ":"), comma = UInt8(ascii: ","), hash = UInt8(ascii: "#")
    private static let star = UInt8(ascii: "*"), question = UInt8(ascii: "?"), dash = UInt8(ascii: "-")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    private static let singleQuote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let openers: Set<UInt8> = [UInt8(ascii: "["), UInt8(ascii: "{")]
    private static let closers: Set<UInt8> = [UInt8(ascii: "]"), UInt8(ascii: "}")]

    private static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }
    private static func isAnchorCharacter(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == dash || byte == UInt8(ascii: "_")
    }
    private static func isBreak(_ byte: UInt8) -> Bool { byte == newline || byte == cr }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var index = 0
        var line = 1
        var lineStart = 0
        /// Indentation of the line that opened a block scalar; lines indented deeper are its text.
        var blockScalarIndent: Int?
        /// The last significant byte before `index` on this line (0 at the start of a line).
        var previous: UInt8 = 0
        /// Whether the line so far, after its indentation, holds only `- ` and `? ` indicators.
        var onlyIndicators = true
        var explicitKeyLine = false
        var atLineStart = true
        while index < bytes.count {
            if atLineStart {
                atLineStart = false
                var indent = 0
                while index + indent < bytes.count, Self.isBlank(bytes[index + indent]) { indent += 1 }
                let end = index + indent
                if let parent = blockScalarIndent {
                    if end < bytes.count, !Self.isBreak(bytes[end]), indent <= parent {
                        blockScalarIndent = nil
                    } else {
                        skipLine(bytes, &index, &line, &lineStart)
                        atLineStart = true
                        continue
                    }
                }
                previous = 0
                onlyIndicators = true
                explicitKeyLine = false
                index = end
                continue
            }
            let byte = bytes[index]
            if Self.isBreak(byte) {
                if byte == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.newline { index += 1 }
                index += 1
                line += 1
                lineStart = index
                atLineStart = true
                continue
            }
            if Self.isBlank(byte) { index += 1; continue }
            if byte == Self.hash, index == lineStart || Self.isBlank(bytes[index - 1]) {
                while index < bytes.count, !Self.isBreak(bytes[index]) { index += 1 }
                continue
            }
            if byte == Self.singleQuote || byte == Self.doubleQuote, previous == 0 || isNodeStart(previous) {
                skipQuoted(bytes, &index, &line, &lineStart, quote: byte)
                previous = byte
                onlyIndicators = false
                continue
            }
            if (byte == Self.dash || byte == Self.question), onlyIndicators, index + 1 >= bytes.count || Self.isBlank(bytes[index + 1]) || Self.isBreak(bytes[index + 1]) {
                if byte == Self.question { explicitKeyLine = true }
                previous = byte
                index += 1
                continue
            }
            if (byte == UInt8(ascii: "|") || byte == UInt8(ascii: ">")), previous == Self.colon || previous == Self.dash || previous == 0 {
                // A block scalar: the lines after this one that are indented deeper are its text.
                var indent = 0
                while lineStart + indent < bytes.count, Self.isBlank(bytes[lineStart + indent]) { indent += 1 }
                blockScalarIndent = indent
                while index < bytes.count, !Self.isBreak(bytes[index]) { index += 1 }
                continue
            }
            if byte == Self.star, previous == 0 || isNodeStart(previous) {
                let column = index - lineStart + 1
                // libyaml's anchor names: letters, digits, '-' and '_'.
                var end = index + 1
                while end < bytes.count, Self.isAnchorCharacter(bytes[end]) { end += 1 }
                if explicitKeyLine || isKey(bytes, from: end) {
                    throw InputError(.limitExceeded, file: file, line: line, column: column,
                                     "a YAML alias used in a mapping key is not accepted (keys are plain text; an alias there can make loading explode)")
                }
                previous = Self.star
                onlyIndicators = false
                index = end
                continue
            }
            if byte != Self.dash && byte != Self.question { onlyIndicators = false }
            previous = byte
            index += 1
        }
    }

    /// Whether a node may start after `byte` (so that `*` there is an alias, and a quote a quoted scalar).
    private func isNodeStart(_ byte: UInt8) -> Bool {
        byte == Self.colon || byte == Self.comma || byte == Self.dash || byte == Self.question || Self.openers.contains(byte)
    }

    /// Whether the node ending at `start` (an alias), or a flow collection around it, is followed
    /// on its line by the `:` of a key.
    private func isKey(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var index = start
        var depth = 0
        while index < bytes.count, !Self.isBreak(bytes[index]) {
            let byte = bytes[index]
            if byte == Self.hash, Self.isBlank(bytes[index - 1]) { return false }
            if byte == Self.singleQuote || byte == Self.doubleQuote {
                var ignoredLine = 0, ignoredStart = 0
                skipQuoted(bytes, &index, &ignoredLine, &ignoredStart, quote: byte, stopAtLineEnd: true)
                continue
            }
            if Self.openers.contains(byte) { depth += 1 } else if Self.closers.contains(byte) {
                // Leaving a collection around the alias stays on the outer level.
                if depth > 0 { depth -= 1 }
            } else if byte == Self.comma, depth == 0 {
                return false
            } else if byte == Self.colon, depth == 0 {
                let next = index + 1 < bytes.count ? bytes[index + 1] : Self.newline
                if Self.isBlank(next) || Self.isBreak(next) || next == Self.comma || Self.closers.contains(next) { return true }
            }
            index += 1
        }
        return false
    }

    private func skipLine(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ line: inout Int, _ lineStart: inout Int) {
        while index < bytes.count, !Self.isBreak(bytes[index]) { index += 1 }
        if index < bytes.count {
            if bytes[index] == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.newline { index += 1 }
            index += 1
            line += 1
            lineStart = index
        }
    }

    /// Moves past a quoted scalar starting at `index` (which may span lines).
    private func skipQuoted(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ line: inout Int, _ lineStart: inout Int,
                            quote: UInt8, stopAtLineEnd: Bool = false) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if Self.isBreak(byte) {
                if stopAtLineEnd { return }
                if byte == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.newline { index += 1 }
                index += 1
                line += 1
                lineStart = index
                continue
            }
            if quote == Self.doubleQuote, byte == Self.backslash { index += 2; continue }
            if byte == quote {
                if quote == Self.singleQuote, index + 1 < bytes.count, bytes[index + 1] == Self.singleQuote { index += 2; continue }
                index += 1
                return
            }
            index += 1
        }
    }
}

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

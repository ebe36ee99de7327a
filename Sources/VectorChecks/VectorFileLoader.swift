import DPSCore
import Foundation

/// Reads vector files of schema `dpsconform-vectors` (docs/vectors.md). Every fault is a
/// ``VectorFileError`` naming the file, line, column and JSONPath; nothing in a file can crash
/// or hang the loader.
public enum VectorFileLoader {
    /// Vector files are kilobytes; the bound keeps a wrong path from loading gigabytes.
    public static let maximumFileSize = 64 * 1024 * 1024

    /// Directory searches pick files with this suffix; other JSON (e.g. `Vectors/openapi/`) is
    /// not a vector file.
    public static let fileSuffix = "-vectors.json"

    /// The vector files named by `paths`: files as given (any name), directories searched
    /// recursively for `*-vectors.json` files (sorted, so runs are stable).
    public static func files(under paths: [String]) throws(VectorFileError) -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw VectorFileError(.unreadable, "no such file or directory", file: path)
            }
            guard isDirectory.boolValue else {
                found.append(path)
                continue
            }
            guard let walker = manager.enumerator(atPath: path) else {
                throw VectorFileError(.unreadable, "cannot list the directory", file: path)
            }
            var inDirectory: [String] = []
            while let relative = walker.nextObject() as? String {
                if relative.lowercased().hasSuffix(fileSuffix) {
                    inDirectory.append((path as NSString).appendingPathComponent(relative))
                }
            }
            guard !inDirectory.isEmpty else { throw VectorFileError(.noVectorFiles, "the directory holds no *\(fileSuffix) file", file: path) }
            found += inDirectory.sorted()
        }
        return found
    }

    /// Loads every vector file under `paths`; vector IDs must be unique per area across all files.
    public static func loadAll(paths: [String]) throws(VectorFileError) -> [VectorFile] {
        var files: [VectorFile] = []
        var seen: [String: String] = [:]
        for path in try self.files(under: paths) {
            let file = try load(path: path)
            for (index, vector) in file.vectors.enumerated() {
                let key = file.area.rawValue + "/" + vector.id
                if let other = seen[key] {
                    throw VectorFileError(.duplicateID, "vector id \"\(vector.id)\" of area \(file.area.rawValue) is also in \(other)",
                                          file: path, jsonPath: "$.vectors[\(index)].id")
                }
                seen[key] = path
            }
            files.append(file)
        }
        return files
    }

    /// Loads one file.
    public static func load(path: String) throws(VectorFileError) -> VectorFile {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumFileSize else {
            throw VectorFileError(.tooLarge, "file has \(size) bytes; vector files are limited to \(maximumFileSize)", file: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VectorFileError(.unreadable, "cannot read the file: \(error.localizedDescription)", file: path)
        }
        return try load(bytes: Array(data), path: path)
    }

    /// Parses a file's bytes; `path` is used in errors and kept in the result.
    public static func load(bytes: [UInt8], path: String) throws(VectorFileError) -> VectorFile {
        guard bytes.count <= maximumFileSize else {
            throw VectorFileError(.tooLarge, "file has \(bytes.count) bytes; vector files are limited to \(maximumFileSize)", file: path)
        }
        let json: VectorJSON
        do {
            json = try VectorJSONParser.parse(bytes)
        } catch {
            throw VectorFileError(.syntax, error.reason, file: path, line: error.line, column: error.column)
        }
        let root = VectorNode(json: json, path: "$", file: path)
        guard case .object = json.value else { throw root.error(.wrongType, "a vector file is a JSON object, found \(json.typeName)") }
        let schemaNode = try root.require("schema")
        guard try schemaNode.string() == VectorFile.schemaName else {
            throw schemaNode.error(.wrongSchema, "schema must be \"\(VectorFile.schemaName)\"")
        }
        let versionNode = try root.require("schemaVersion")
        let version = try versionNode.integer()
        guard VectorFile.supportedSchemaVersions.contains(version) else {
            throw versionNode.error(.unsupportedSchemaVersion, "schemaVersion \(version) is not supported; this build reads "
                                    + "\(VectorFile.supportedSchemaVersions.lowerBound)...\(VectorFile.supportedSchemaVersions.upperBound)")
        }
        let areaNode = try root.require("area")
        guard let area = VectorArea(rawValue: try areaNode.string()) else {
            throw areaNode.error(.unknownKind, "unknown area; known: \(VectorArea.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var allowed: Set<String> = ["schema", "schemaVersion", "area", "algorithm", "description", "source", "notes",
                                    "numberOfVectors", "vectors"]
        if area == .dice {
            allowed.insert("firmwarePatterns")
            if let patterns = root.member("firmwarePatterns") {
                for (_, node) in try patterns.members() { _ = try node.string() }
            }
        }
        try root.refuseUnknownMembers(allowed: allowed)
        let vectorsNode = try root.require("vectors")
        let items = try vectorsNode.items()
        guard !items.isEmpty else { throw vectorsNode.error(.invalidValue, "a vector file holds at least one vector") }
        if let countNode = root.member("numberOfVectors"), try countNode.integer() != Int64(items.count) {
            throw countNode.error(.countMismatch, "numberOfVectors is \(try countNode.integer()) but the file holds \(items.count) vectors")
        }
        var vectors: [TestVector] = []
        var ids = Set<String>()
        for item in items {
            let vector = try VectorDecoding.vector(item, area: area)
            guard ids.insert(vector.id).inserted else {
                throw try item.require("id").error(.duplicateID, "vector id \"\(vector.id)\" appears twice in this file")
            }
            vectors.append(vector)
        }
        return VectorFile(path: path, schemaVersion: Int(version), area: area, algorithm: try nonEmpty(root.require("algorithm")),
                          description: try root.optionalString("description"), source: try nonEmpty(root.require("source")),
                          notes: try root.member("notes")?.strings() ?? [], vectors: vectors)
    }

    static func nonEmpty(_ node: VectorNode) throws(VectorFileError) -> String {
        let text = try node.string()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw node.error(.invalidValue, "must not be empty") }
        return text
    }
}

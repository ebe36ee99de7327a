/// A place in an input file (file, line, column, field path), kept with a value read from it
/// so that a problem found later, after loading, is reported where the value was written.
package struct SourceSite: Sendable, Hashable {
    package let file: String
    package let line: Int?
    package let column: Int?
    package let field: String?

    package init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    package func error(_ code: InputError.Code, _ message: String) -> InputError {
        InputError(code, file: file, line: line, column: column, field: field, message)
    }
}

import DPSCore
import Testing

/// Expects `body` to throw a DPSCoreError with `code` (tests compare codes, never message text).
func expectCode(_ code: DPSCoreError.Code, requirement: RequirementID? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DPSCoreError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        if let requirement { #expect(error.requirement == requirement, sourceLocation: sourceLocation) }
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

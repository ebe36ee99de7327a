/// A Double written as a plain decimal (no exponent) that reads back to the very same Double.
///
/// Swift's `description` of a Double is the shortest text that round-trips; this only moves its
/// decimal point so the digits can be split into whole seconds and a fraction without rounding.
struct ExactDecimal: Hashable {
    var negative: Bool
    /// Digits before the point, no leading zeros ("0" for none).
    var integer: String
    /// Digits after the point, no trailing zeros (empty for none).
    var fraction: String

    init(negative: Bool, integer: String, fraction: String) {
        self.negative = negative
        self.integer = integer
        self.fraction = fraction
    }

    /// `nil` for infinities and NaN.
    init?(_ value: Double) {
        guard value.isFinite else { return nil }
        var text = Substring(value.description)
        negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let mark = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(text[text.index(after: mark)...]) else { return nil }
            exponent = parsed
            text = text[..<mark]
        }
        let pointAt = text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count
        let digits = Array(text.filter { $0 != "." })
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        let newPoint = pointAt + exponent
        var whole: [Character]
        var rest: [Character]
        if newPoint <= 0 {
            whole = []
            rest = Array(repeating: "0", count: -newPoint) + digits
        } else if newPoint >= digits.count {
            whole = digits + Array(repeating: "0", count: newPoint - digits.count)
            rest = []
        } else {
            whole = Array(digits[..<newPoint])
            rest = Array(digits[newPoint...])
        }
        while let first = whole.first, first == "0" { whole.removeFirst() }
        while let last = rest.last, last == "0" { rest.removeLast() }
        integer = whole.isEmpty ? "0" : String(whole)
        fraction = String(rest)
        if integer == "0" && fraction.isEmpty { negative = false }
    }

    /// `1 - 0.digits` as digits of the same length: the fraction seen from the next lower whole
    /// number, needed to write negative values as a whole part plus a positive fraction.
    static func complement(ofFraction digits: String) -> String {
        var values = digits.compactMap(\.wholeNumberValue)
        guard !values.isEmpty else { return "" }
        // 10^n - F: nines' complement of every digit, then add one.
        for index in values.indices { values[index] = 9 - values[index] }
        var index = values.count - 1
        var carry = 1
        while carry == 1 && index >= 0 {
            values[index] += 1
            if values[index] == 10 {
                values[index] = 0
            } else {
                carry = 0
            }
            index -= 1
        }
        return String(values.map { Character(String($0)) })
    }
}

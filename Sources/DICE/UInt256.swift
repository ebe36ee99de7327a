/// A 256-bit unsigned integer, just enough for ECDSA arithmetic modulo the P-256 group order.
///
/// Limbs are little-endian 64-bit words (`limbs.0` least significant). Written here because the
/// DICE module may not take a big-integer dependency (helper brief; RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk).
struct UInt256: Sendable, Hashable, Comparable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64

    static let zero = UInt256(l0: 0, l1: 0, l2: 0, l3: 0)
    static let one = UInt256(l0: 1, l1: 0, l2: 0, l3: 0)

    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    /// Reads up to 32 big-endian bytes (shorter inputs are left-padded with zeros); nil if longer.
    init?<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        guard bytes.count <= 32 else { return nil }
        self.init(lowBigEndian: Array(bytes))
    }

    /// The integer of the last (at most) 32 of `bytes`, read big-endian.
    private init(lowBigEndian bytes: [UInt8]) {
        var padded = [UInt8](repeating: 0, count: max(0, 32 - bytes.count))
        padded.append(contentsOf: bytes.suffix(32))
        func word(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in at..<(at + 8) { v = v << 8 | UInt64(padded[i]) }
            return v
        }
        self.init(l0: word(24), l1: word(16), l2: word(8), l3: word(0))
    }

    /// Reads 32 little-endian bytes (the RIoT `bigval_t` memcpy; RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk).
    init(littleEndian bytes: [UInt8]) {
        self.init(lowBigEndian: bytes.reversed())
    }

    /// The 32-byte big-endian form.
    var bigEndianBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for limb in [l3, l2, l1, l0] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift))) }
        }
        return out
    }

    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    subscript(limb i: Int) -> UInt64 {
        get {
            switch i { case 0: return l0; case 1: return l1; case 2: return l2; default: return l3 }
        }
        set {
            switch i { case 0: l0 = newValue; case 1: l1 = newValue; case 2: l2 = newValue; default: l3 = newValue }
        }
    }

    /// Bit `i` (0 = least significant).
    func bit(_ i: Int) -> Bool { (self[limb: i / 64] >> UInt64(i % 64)) & 1 == 1 }

    static func < (a: UInt256, b: UInt256) -> Bool {
        if a.l3 != b.l3 { return a.l3 < b.l3 }
        if a.l2 != b.l2 { return a.l2 < b.l2 }
        if a.l1 != b.l1 { return a.l1 < b.l1 }
        return a.l0 < b.l0
    }

    /// `a + b` modulo 2^256 and the carry out.
    static func addingWithCarry(_ a: UInt256, _ b: UInt256) -> (UInt256, Bool) {
        var r = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, c1) = a[limb: i].addingReportingOverflow(b[limb: i])
            let (s2, c2) = s1.addingReportingOverflow(carry)
            r[limb: i] = s2
            carry = (c1 ? 1 : 0) + (c2 ? 1 : 0)
        }
        return (r, carry != 0)
    }

    /// `a - b` modulo 2^256 and the borrow out.
    static func subtractingWithBorrow(_ a: UInt256, _ b: UInt256) -> (UInt256, Bool) {
        var r = UInt256.zero
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, b1) = a[limb: i].subtractingReportingOverflow(b[limb: i])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            r[limb: i] = d2
            borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
        }
        return (r, borrow != 0)
    }
}

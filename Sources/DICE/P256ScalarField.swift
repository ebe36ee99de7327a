/// Arithmetic modulo the P-256 group order n, for ECDSA signing with the RIoT fixed nonce and
/// for recovering keys from nonce reuse (RiotCore.c and RiotCrypt.c, microsoft/devkit-sdk).
///
/// Multiplication uses Montgomery reduction (CIOS, four 64-bit limbs); inversion is Fermat's
/// a^(n-2), valid because n is prime. All inputs are expected reduced (`< n`).
enum P256ScalarField {
    /// n = FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551 (SEC 2, secp256r1).
    static let order = UInt256(l0: 0xf3b9_cac2_fc63_2551, l1: 0xbce6_faad_a717_9e84,
                               l2: 0xffff_ffff_ffff_ffff, l3: 0xffff_ffff_0000_0000)

    /// -n^-1 mod 2^64, by Newton iteration on the odd low limb.
    static let montgomeryFactor: UInt64 = {
        let n0 = order.l0
        var inverse: UInt64 = n0  // correct to 3 bits for odd n0
        for _ in 0..<6 { inverse = inverse &* (2 &- n0 &* inverse) }
        return 0 &- inverse
    }()

    /// R^2 mod n with R = 2^256, by 512 modular doublings of 1.
    static let rSquared: UInt256 = {
        var x = UInt256.one
        for _ in 0..<512 { x = add(x, x) }
        return x
    }()

    /// Reduces any 256-bit value (it is below 2n because n > 2^255).
    static func reduce(_ a: UInt256) -> UInt256 {
        a < order ? a : UInt256.subtractingWithBorrow(a, order).0
    }

    static func add(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (sum, carry) = UInt256.addingWithCarry(a, b)
        if carry || !(sum < order) { return UInt256.subtractingWithBorrow(sum, order).0 }
        return sum
    }

    static func subtract(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (difference, borrow) = UInt256.subtractingWithBorrow(a, b)
        return borrow ? UInt256.addingWithCarry(difference, order).0 : difference
    }

    static func negate(_ a: UInt256) -> UInt256 { subtract(.zero, a) }

    /// a·b mod n.
    static func multiply(_ a: UInt256, _ b: UInt256) -> UInt256 {
        montgomeryMultiply(montgomeryMultiply(a, b), rSquared)
    }

    /// a^-1 mod n, nil for 0.
    static func inverse(_ a: UInt256) -> UInt256? {
        guard !a.isZero else { return nil }
        let exponent = UInt256.subtractingWithBorrow(order, UInt256(l0: 2, l1: 0, l2: 0, l3: 0)).0
        let base = montgomeryMultiply(a, rSquared)  // into Montgomery form
        var result = montgomeryMultiply(.one, rSquared)
        for i in stride(from: 255, through: 0, by: -1) {
            result = montgomeryMultiply(result, result)
            if exponent.bit(i) { result = montgomeryMultiply(result, base) }
        }
        return montgomeryMultiply(result, .one)  // out of Montgomery form
    }

    /// a·b·R^-1 mod n (CIOS).
    static func montgomeryMultiply(_ a: UInt256, _ b: UInt256) -> UInt256 {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        let n = order
        for i in 0..<4 {
            let bi = b[limb: i]
            // t += a * b[i]
            var carry: UInt64 = 0
            (carry, t0) = multiplyAdd(a.l0, bi, t0, carry)
            (carry, t1) = multiplyAdd(a.l1, bi, t1, carry)
            (carry, t2) = multiplyAdd(a.l2, bi, t2, carry)
            (carry, t3) = multiplyAdd(a.l3, bi, t3, carry)
            let (s4, c4) = t4.addingReportingOverflow(carry)
            t4 = s4
            let t5: UInt64 = c4 ? 1 : 0
            // t = (t + m*n) / 2^64
            let m = t0 &* montgomeryFactor
            var low: UInt64 = 0
            (carry, low) = multiplyAdd(m, n.l0, t0, 0)
            _ = low
            (carry, t0) = multiplyAdd(m, n.l1, t1, carry)
            (carry, t1) = multiplyAdd(m, n.l2, t2, carry)
            (carry, t2) = multiplyAdd(m, n.l3, t3, carry)
            let (s3, c3) = t4.addingReportingOverflow(carry)
            t3 = s3
            t4 = t5 + (c3 ? 1 : 0)
        }
        let result = UInt256(l0: t0, l1: t1, l2: t2, l3: t3)
        if t4 != 0 || !(result < n) { return UInt256.subtractingWithBorrow(result, n).0 }
        return result
    }

    /// x·y + z + c as (high, low); never overflows 128 bits.
    @inline(__always)
    private static func multiplyAdd(_ x: UInt64, _ y: UInt64, _ z: UInt64, _ c: UInt64) -> (UInt64, UInt64) {
        let product = x.multipliedFullWidth(by: y)
        var (low, o1) = product.low.addingReportingOverflow(z)
        var high = product.high &+ (o1 ? 1 : 0)
        (low, o1) = low.addingReportingOverflow(c)
        high &+= o1 ? 1 : 0
        return (high, low)
    }
}

import Testing
@testable import DICE

/// Known answers computed independently (Python big integers) for arithmetic mod the P-256 order.
@Suite("Arithmetic modulo the P-256 group order")
struct ScalarArithmeticTests {
    static func value(_ hex: String) throws -> UInt256 { try #require(UInt256(bigEndian: hexBytes(hex))) }

    static let a = "493a26cebee636c12ee1ac296bafb8a2f26492458bd4f03b25c5b9ae8b17bc03"
    static let b = "7c96630d4cf20b340165aea35ef29e2a6f0cbaa90ae8a49c95955cf945b42c05"

    @Test("multiply, add, subtract")
    func fieldOperations() throws {
        let a = try Self.value(Self.a), b = try Self.value(Self.b)
        #expect(hex(P256ScalarField.multiply(a, b).bigEndianBytes) == "0e88821cadef6e88bcbc812c3f115f7c4a4ea48e928ef74b3293332ef548b4a4")
        #expect(hex(P256ScalarField.add(a, b).bigEndianBytes) == "c5d089dc0bd841f530475acccaa256cd61714cee96bd94d7bb5b16a7d0cbe808")
        #expect(hex(P256ScalarField.subtract(b, a).bigEndianBytes) == "335c3c3e8e0bd472d2840279f342e5877ca828637f13b4616fcfa34aba9c7002")
        #expect(hex(P256ScalarField.subtract(a, b).bigEndianBytes) == "cca3c3c071f42b8e2d7bfd860cbd1a78403ed24a2803ea2383ea277841c6b54f")
    }

    @Test("(n-1)^2 = 1 and R mod n")
    func edges() throws {
        let nMinusOne = try Self.value("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550")
        #expect(P256ScalarField.multiply(nMinusOne, nMinusOne) == .one)
        #expect(P256ScalarField.add(nMinusOne, .one) == .zero)
        #expect(P256ScalarField.subtract(.zero, .one) == nMinusOne)
        let allOnes = UInt256(l0: .max, l1: .max, l2: .max, l3: .max)
        #expect(hex(P256ScalarField.reduce(allOnes).bigEndianBytes)
            == "00000000ffffffff00000000000000004319055258e8617b0c46353d039cdaae")
    }

    @Test("the inverse of the DevKit nonce")
    func nonceInverse() throws {
        let k = try Self.value("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")
        let inverse = try #require(P256ScalarField.inverse(k))
        #expect(hex(inverse.bigEndianBytes) == "fa9a4487004a531021c7806fd071fd78337b7f453b787466ff4e8c1071135d8a")
        #expect(P256ScalarField.inverse(.zero) == nil)
    }

    @Test("r of the fixed nonce is the r of every DevKit signature")
    func fixedNonceR() throws {
        #expect(RIoTFixedNonce.signatureR.map(hex) == "515c3d6eb9e396b904d3feca7f54fdcd0cc1e997bf375dca515ad0a6c3b4035f")
    }

    @Test("DiceHash check value from the specification")
    func diceHashCheckValue() {
        let uds = hexBytes("19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae")
        #expect(hex(DiceHash.digest(uds)) == "1afea4e0bce2451a303c540a266cc9a38d916898bb57400931b68723c20ce7fc")
    }
}
